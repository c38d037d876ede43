import { render } from 'preact';
import { App } from './app';
import { apiBase } from './api';

const root = document.getElementById('app');
if (root) render(<App base={apiBase(import.meta.url)} />, root);
