// What every peer page does the same way: read the address, mark the steps with
// performance marks (peer:ready, peer:metadata, peer:first-image, peer:positions), draw
// the image, and leave what it read in window.__peer for the benchmark to check.

export const params = new URLSearchParams(location.search);
export const url = params.get("url");
export const row = Number(params.get("row") || 0);

export function mark(step) {
  performance.mark("peer:" + step);
}

// Decode the image the way a page would (createImageBitmap) and put it on screen.
export async function show(bytes) {
  const bitmap = await createImageBitmap(new Blob([bytes]));
  const canvas = document.getElementById("image");
  canvas.width = bitmap.width;
  canvas.height = bitmap.height;
  canvas.getContext("2d").drawImage(bitmap, 0, 0);
  return [bitmap.width, bitmap.height];
}

export function report(result) {
  window.__peer = result;
}

export function failed(e) {
  report({ ok: false, error: String((e && e.stack) || e) });
}
