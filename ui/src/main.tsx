// Entry point: mounts the app into #root inside its providers.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './index.css';
import { AppProviders, createQueryClient } from './providers';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <AppProviders client={createQueryClient()}>
      <App />
    </AppProviders>
  </StrictMode>,
);
