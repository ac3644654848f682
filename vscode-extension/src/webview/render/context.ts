/** What a renderer needs to know about the view besides the row itself. */
export interface RenderContext {
    /** The session spans several days: times show the date too. */
    showDates: boolean;
}
