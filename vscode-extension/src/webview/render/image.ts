/**
 * An image block (a pasted screenshot, a tool's image result) shown inline, scaled to the row;
 * a click opens it full size in an overlay. Only base64 raster images checked by the tree become
 * `data:` URLs (the CSP's img-src allows data: and the extension's media, nothing remote).
 */
import { el } from '../dom';
import type { ImageData } from '../state/tree';

export function dataUrl(image: ImageData): string {
    return `data:${image.mediaType};base64,${image.data}`;
}

export function imageThumb(image: ImageData, label: string): HTMLElement {
    const img = el('img', 'thumb');
    img.src = dataUrl(image);
    img.alt = label;
    img.title = 'Open full size';
    img.dataset.action = 'image';
    img.decoding = 'async';
    img.draggable = false;
    return img;
}

/** The full-size overlay (one per page, reused): click or Escape closes it. */
export function imageOverlay(src: string, alt: string): HTMLDivElement {
    const overlay = el('div', 'image-overlay');
    overlay.setAttribute('role', 'dialog');
    overlay.setAttribute('aria-label', alt || 'Image');
    overlay.tabIndex = -1;
    const img = el('img', 'full');
    img.src = src;
    img.alt = alt;
    overlay.append(img);
    return overlay;
}
