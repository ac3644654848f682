// A 128x128 icon: a rounded square in Claude's clay orange, a white conversation trace
// (three message bars joined by a timeline with dots). Drawn pixel by pixel, antialiased by 4x4 supersampling.
import { deflateSync } from 'node:zlib';
import { writeFileSync } from 'node:fs';
const N = 128, S = 4;
const bg = [0xd9, 0x77, 0x57], fg = [255, 255, 255], dark = [0x5a, 0x2a, 0x1c];
function inRound(x, y, x0, y0, x1, y1, r) {
    if (x < x0 || x > x1 || y < y0 || y > y1) return false;
    const cx = Math.min(Math.max(x, x0 + r), x1 - r), cy = Math.min(Math.max(y, y0 + r), y1 - r);
    return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}
function shade(x, y) {
    if (!inRound(x, y, 4, 4, 124, 124, 24)) return null;
    // timeline
    if (x >= 27 && x <= 31 && y >= 26 && y <= 102) return fg;
    for (const cy of [34, 64, 94]) if ((x - 29) ** 2 + (y - cy) ** 2 <= 64) return fg;
    // bars
    if (inRound(x, y, 44, 26, 104, 42, 8)) return fg;
    if (inRound(x, y, 44, 56, 92, 72, 8)) return fg;
    if (inRound(x, y, 44, 86, 112, 102, 8)) return fg;
    // subtle shadow line under the bars
    if (inRound(x, y, 50, 31, 90, 37, 3) || inRound(x, y, 50, 91, 80, 97, 3)) return dark;
    return bg;
}
const raw = Buffer.alloc((N * 4 + 1) * N);
for (let y = 0; y < N; y++) {
    raw[y * (N * 4 + 1)] = 0;
    for (let x = 0; x < N; x++) {
        let r = 0, g = 0, b = 0, a = 0;
        for (let sy = 0; sy < S; sy++) for (let sx = 0; sx < S; sx++) {
            const c = shade(x + (sx + 0.5) / S, y + (sy + 0.5) / S);
            if (c) { r += c[0]; g += c[1]; b += c[2]; a++; }
        }
        const o = y * (N * 4 + 1) + 1 + x * 4;
        raw[o] = a ? r / a : 0; raw[o + 1] = a ? g / a : 0; raw[o + 2] = a ? b / a : 0; raw[o + 3] = Math.round((255 * a) / (S * S));
    }
}
function crc32(buf) { let c, crc = 0xffffffff; for (const b of buf) { c = (crc ^ b) & 0xff; for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1; crc = (crc >>> 8) ^ c; } return (crc ^ 0xffffffff) >>> 0; }
const chunk = (t, d) => { const l = Buffer.alloc(4); l.writeUInt32BE(d.length); const body = Buffer.concat([Buffer.from(t), d]); const c = Buffer.alloc(4); c.writeUInt32BE(crc32(body)); return Buffer.concat([l, body, c]); };
const h = Buffer.alloc(13); h.writeUInt32BE(N, 0); h.writeUInt32BE(N, 4); h[8] = 8; h[9] = 6;
writeFileSync(process.argv[2], Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10]), chunk('IHDR', h), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]));
