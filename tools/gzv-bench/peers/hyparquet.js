// hyparquet with hyparquet-compressors, given its best honest settings: `cache:
// 'no-store'` (Chromium's HTTP cache otherwise lets one request per URL proceed at a
// time), a cached buffer so the footer's bytes are read once, the metadata passed to
// every read, the image row read by rowStart/rowEnd, the image and the positions started
// together.
import {
  asyncBufferFromUrl,
  cachedAsyncBuffer,
  parquetMetadataAsync,
  parquetReadObjects,
} from "hyparquet";
import { compressors } from "hyparquet-compressors";
import { failed, mark, report, row, show, url } from "./common.js";

mark("ready");
try {
  const requestInit = { cache: "no-store" };
  const file = cachedAsyncBuffer(await asyncBufferFromUrl({ url, requestInit }));
  const metadata = await parquetMetadataAsync(file);
  mark("metadata");
  const image = (async () => {
    const [r] = await parquetReadObjects({
      file, metadata, compressors, columns: ["image"], rowStart: row, rowEnd: row + 1, utf8: false,
    });
    const size = await show(r.image.bytes);
    mark("first-image");
    return size;
  })();
  const positions = (async () => {
    const rows = await parquetReadObjects({
      file, metadata, compressors, columns: ["ra", "dec"],
    });
    let sumRa = 0;
    for (const r of rows) sumRa += r.ra;
    mark("positions");
    return { count: rows.length, sumRa };
  })();
  const [[width, height], pos] = await Promise.all([image, positions]);
  report({ ok: true, rows: Number(metadata.num_rows), width, height, ...pos });
} catch (e) {
  failed(e);
}
