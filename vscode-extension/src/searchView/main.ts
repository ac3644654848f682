/** The search view's webview entry: wires the box to the host through validated messages. */
import { parseSearchHostMessage, type SearchViewToHost } from '../shared/searchIpc';
import { SearchBox } from './box';

interface VsCodeApi {
    postMessage(message: SearchViewToHost): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const api = acquireVsCodeApi();
const root = document.getElementById('search') as HTMLDivElement;
const box = new SearchBox(document, root, (msg) => api.postMessage(msg));
window.addEventListener('message', (event: MessageEvent<unknown>) => {
    const msg = parseSearchHostMessage(event.data);
    if (msg) box.receive(msg);
});
api.postMessage({ type: 'ready' });
box.input.focus();
