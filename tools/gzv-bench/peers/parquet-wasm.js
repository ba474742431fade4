// parquet-wasm (arrow-rs in wasm) with apache-arrow to read its results, given its best
// honest settings: the image read from its own row group only (rowGroups + offset +
// limit), the positions with 6 requests in flight, the image and the positions started
// together.
import init, { ParquetFile } from "parquet-wasm/esm/parquet_wasm.js";
import { tableFromIPC } from "apache-arrow";
import { failed, mark, report, row, show, url } from "./common.js";

try {
  await init({ module_or_path: new URL("./parquet_wasm_bg.wasm", import.meta.url) });
  mark("ready");
  const file = await ParquetFile.fromUrl(url);
  const meta = file.metadata();
  const rows = meta.fileMetadata().numRows();
  mark("metadata");
  let group = 0;
  let first = 0;
  while (group + 1 < meta.numRowGroups() && first + meta.rowGroup(group).numRows() <= row) {
    first += meta.rowGroup(group).numRows();
    group += 1;
  }
  const image = (async () => {
    const t = await file.read({ columns: ["image"], rowGroups: [group], offset: row - first, limit: 1 });
    const table = tableFromIPC(t.intoIPCStream());
    const size = await show(table.getChild("image").get(0).bytes);
    mark("first-image");
    return size;
  })();
  const positions = (async () => {
    const t = await file.read({ columns: ["ra", "dec"], concurrency: 6 });
    const ra = tableFromIPC(t.intoIPCStream()).getChild("ra");
    let sumRa = 0;
    for (const v of ra) sumRa += v;
    mark("positions");
    return { count: ra.length, sumRa };
  })();
  const [[width, height], pos] = await Promise.all([image, positions]);
  report({ ok: true, rows, width, height, ...pos });
} catch (e) {
  failed(e);
}
