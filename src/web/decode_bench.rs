//! The browser's own image decoder (`createImageBitmap`; the pixels are read back only
//! for the display controls), and its timing, run by `?bench=decode`; results land in the
//! page for a harness to read. (It was measured faster than the `image` crate in
//! wasm, which the wasm no longer links: see the README.)

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Median milliseconds per decode of one image, each way.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecodeTimes {
    pub bitmap_ms: f64,
    pub bitmap_and_pixels_ms: f64,
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or(0.0)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The browser's words for an error (a DOMException's message, or the value as text).
fn js_err(e: wasm_bindgen::JsValue) -> String {
    if let Some(s) = e.as_string() {
        return s;
    }
    js_sys::Reflect::get(&e, &"message".into())
        .ok()
        .and_then(|m| m.as_string())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| "no reason given".into())
}

/// An image decoded by the browser's own decoder (measured faster here than the image
/// crate in wasm: see the README): the bitmap, drawn as it is; its pixels are read back
/// only when the display controls need them (reading them back, copying them into the
/// wasm and out again took ~10 ms of the page's thread for each galaxy shown). The bitmap
/// is released when the last holder lets go.
#[derive(Debug)]
pub struct Decoded {
    bitmap: send_wrapper::SendWrapper<web_sys::ImageBitmap>,
    pub width: u32,
    pub height: u32,
    pixels: std::sync::OnceLock<Result<crate::imaging::Rgba, String>>,
}

impl PartialEq for Decoded {
    fn eq(&self, other: &Self) -> bool {
        *self.bitmap == *other.bitmap
    }
}

impl Drop for Decoded {
    fn drop(&mut self) {
        self.bitmap.close();
    }
}

impl Decoded {
    /// Draw the image as it is at the canvas's origin.
    pub fn draw(&self, ctx: &web_sys::CanvasRenderingContext2d) -> Result<(), String> {
        ctx.draw_image_with_image_bitmap(&self.bitmap, 0.0, 0.0)
            .map_err(js_err)
    }

    /// Its RGBA pixels (read back once, on first use).
    pub fn pixels(&self) -> Result<&crate::imaging::Rgba, String> {
        self.pixels
            .get_or_init(|| read_pixels(&self.bitmap))
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Decode `bytes` with the browser's decoder (off the page's thread).
pub async fn browser_decode(bytes: &[u8]) -> Result<Decoded, String> {
    let window = web_sys::window().ok_or("no window")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(js_err)?;
    let promise = window
        .create_image_bitmap_with_blob(&blob)
        .map_err(js_err)?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(promise)
        .await
        .map_err(js_err)?
        .dyn_into()
        .map_err(|_| "not a bitmap")?;
    Ok(Decoded {
        width: bitmap.width(),
        height: bitmap.height(),
        bitmap: send_wrapper::SendWrapper::new(bitmap),
        pixels: std::sync::OnceLock::new(),
    })
}

/// A bitmap's pixels, through a canvas of its size.
fn read_pixels(image: &web_sys::ImageBitmap) -> Result<crate::imaging::Rgba, String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let (w, h) = (image.width(), image.height());
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(js_err)?
        .dyn_into()
        .map_err(|_| "no canvas")?;
    canvas.set_width(w);
    canvas.set_height(h);
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .ok_or("no 2D canvas")?;
    ctx.draw_image_with_image_bitmap(image, 0.0, 0.0)
        .map_err(js_err)?;
    let data = ctx
        .get_image_data(0.0, 0.0, w as f64, h as f64)
        .map_err(js_err)?;
    Ok(crate::imaging::Rgba {
        width: w,
        height: h,
        pixels: data.data().0,
    })
}

/// Decode `bytes` `runs` times: the bitmap, and the bitmap with its pixels read back.
pub async fn compare(bytes: &[u8], runs: usize) -> Result<DecodeTimes, String> {
    let window = web_sys::window().ok_or("no window")?;
    let document = window.document().ok_or("no document")?;
    let parts = js_sys::Array::of1(&js_sys::Uint8Array::from(bytes));
    let blob = web_sys::Blob::new_with_u8_array_sequence(&parts).map_err(js_err)?;
    let canvas: web_sys::HtmlCanvasElement = document
        .create_element("canvas")
        .map_err(js_err)?
        .dyn_into()
        .map_err(|_| "no canvas")?;
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into().ok())
        .ok_or("no 2D canvas")?;
    let (mut bitmap, mut pixels) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let t = now();
        let promise = window
            .create_image_bitmap_with_blob(&blob)
            .map_err(js_err)?;
        let image: web_sys::ImageBitmap = JsFuture::from(promise)
            .await
            .map_err(js_err)?
            .dyn_into()
            .map_err(|_| "not a bitmap")?;
        bitmap.push(now() - t);
        canvas.set_width(image.width());
        canvas.set_height(image.height());
        ctx.draw_image_with_image_bitmap(&image, 0.0, 0.0)
            .map_err(js_err)?;
        ctx.get_image_data(0.0, 0.0, image.width() as f64, image.height() as f64)
            .map_err(js_err)?;
        pixels.push(now() - t);
        image.close();
        crate::web::sleep_ms(0).await;
    }
    Ok(DecodeTimes {
        bitmap_ms: median(bitmap),
        bitmap_and_pixels_ms: median(pixels),
    })
}
