# The service image. A build stage compiles the server (tsc) and builds the
# staff console (GraphQL codegen + Vite); the runtime stage has production
# dependencies only and runs compiled JavaScript: no tsx, no dev dependencies.
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY schema ./schema
COPY scripts ./scripts
COPY src ./src
# The admin CLI (dist/scripts/admin/admin.js) imports the local stack's plain-JavaScript helpers (dist/scripts/stack/): copy them beside the compiled launcher.
RUN npm run build:web && npm run build:partner && npm run build && cp scripts/stack/*.mjs dist/scripts/stack/

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY schema ./schema
COPY --from=build /app/dist ./dist
# The audit anchor volume (docker-compose.yml) takes this directory's owner on first mount: the service writes there.
RUN mkdir -p /var/lib/hotline/audit-anchors && chown node:node /var/lib/hotline/audit-anchors
USER node
EXPOSE 4000
# The API serves the console from dist/web (CONSOLE_DIR's default).
CMD ["node", "dist/src/main.js"]
