import '@xyflow/react/dist/style.css';
import './styles.css';
import './annotations/annotations.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { installTestHook } from './test-hook';

installTestHook();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
