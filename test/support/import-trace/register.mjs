// `node --import` this file to trace which heavy packages a command loads.
import { register } from 'node:module';
register('./hooks.mjs', import.meta.url);
