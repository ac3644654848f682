/**
 * A click on an inline image: the image full size over the page (render/image.ts's overlay); a
 * click or Escape closes it and gives the focus back to the list.
 */
import { imageOverlay } from '../render/image';

export class ImageViewer {
    private overlay: HTMLDivElement | undefined;

    constructor(
        private readonly root: HTMLElement,
        private readonly focusList: () => void,
    ) {}

    get isOpen(): boolean {
        return this.overlay !== undefined;
    }

    open(img: HTMLImageElement): void {
        this.close();
        const overlay = imageOverlay(img.src, img.alt);
        const close = (): void => this.close();
        overlay.addEventListener('click', close);
        overlay.addEventListener('keydown', (e) => {
            if (e.key === 'Escape') {
                e.preventDefault();
                close();
            }
        });
        this.overlay = overlay;
        this.root.append(overlay);
        overlay.focus();
    }

    close(): void {
        if (!this.overlay) return;
        this.overlay.remove();
        this.overlay = undefined;
        this.focusList();
    }
}
