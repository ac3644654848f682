/** What a renderer needs to know about the view besides the row itself. */
export interface RenderContext {
    /** The session spans several days: times show the date too. */
    showDates: boolean;
    /**
     * Dollars of the response whose first line is this message (session/cost `responseCosts`):
     * the other lines of a response repeat its usage, so only the first carries the cost.
     */
    costOf?: (uuid: string) => number | undefined;
}
