# The service image (Node 24 LTS). Runs TypeScript through tsx, as `npm start` does.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY schema ./schema
COPY scripts ./scripts
USER node
EXPOSE 4000
CMD ["node", "--import", "tsx", "src/main.ts"]
