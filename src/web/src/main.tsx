// First, before any module builds a schema (zod-jitless.ts).
import './zod-jitless';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { ApiError } from './api/client';
import { App } from './App';
import { DraftProvider } from './session/drafts';
import { SessionProvider } from './session/session';
import './styles.css';

// In memory only: nothing the server answers is persisted by the console.
const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      retry: (count, error) => count < 2 && error instanceof ApiError && (error.code === 'NETWORK' || error.code === 'SERVICE_UNAVAILABLE'),
      refetchOnWindowFocus: false,
      gcTime: 5 * 60_000,
    },
    mutations: { retry: false },
  },
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <BrowserRouter>
        <DraftProvider>
          <SessionProvider>
            <App />
          </SessionProvider>
        </DraftProvider>
      </BrowserRouter>
    </QueryClientProvider>
  </StrictMode>,
);
