//! The page's fonts, asked for before the panels need them.
//!
//! The first time a page lays out text in a font at a size (a "strike"), Chromium on
//! Linux asks the browser process for it, synchronously (`FontCache::GetFontPlatformData`,
//! `GetWebFontRenderStyleForStrike`): 1-4 ms each when the machine is idle, and far longer
//! while the browser process is busy with the dataset's responses, in the middle of a
//! layout. The panels that arrive with the data (the votes, the facts, the table) bring new
//! sizes and weights; laid out here first, a size a frame while the page waits for its
//! data, their fonts are there when those panels come.

use wasm_bindgen::JsCast;

/// The page's font sizes (site/main.css), one a frame.
const SIZES: [&str; 9] = [
    ".7rem", ".75rem", ".8rem", ".85rem", ".9rem", ".95rem", "1rem", "1.05rem", "1.3rem",
];
/// Text in every weight and style the page uses, at each size.
const FACES: [(&str, &str, bool); 5] = [
    ("400", "normal", false),
    ("600", "normal", false),
    ("700", "normal", false),
    ("400", "italic", false),
    ("400", "normal", true),
];
const SAMPLE: &str = "Galaxy Zoo 0123456789 % — id_str";
/// Characters of the panels that the default font may not hold (found in fallback fonts).
const SPECIAL: &str = "°−…′″—≥≤→←×·±✕≈∈∝▼▲√²³⁴γπφθρεδλΣ∞₁₂";

/// Start laying out the page's fonts, one size a frame, in a hidden element removed after.
pub fn warm() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = doc.body() else {
        return;
    };
    let Some(holder) = doc
        .create_element("div")
        .ok()
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    holder.set_class_name("font-warm");
    let _ = holder.set_attribute("aria-hidden", "true");
    if body.append_child(&holder).is_ok() {
        step(doc, holder, 0);
    }
}

/// Put step `k`'s text in the holder (laid out in the next frame), then the next step.
fn step(doc: web_sys::Document, holder: web_sys::HtmlElement, k: usize) {
    holder.set_text_content(None);
    if k > SIZES.len() {
        holder.remove();
        return;
    }
    let span = |text: &str, size: &str, (weight, style, mono): (&str, &str, bool)| {
        let Some(s) = doc
            .create_element("span")
            .ok()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            return;
        };
        s.set_text_content(Some(text));
        let css = s.style();
        let _ = css.set_property("font-size", size);
        let _ = css.set_property("font-weight", weight);
        let _ = css.set_property("font-style", style);
        if mono {
            let _ = css.set_property("font-family", "ui-monospace, monospace");
        }
        let _ = holder.append_child(&s);
    };
    match SIZES.get(k) {
        Some(size) => FACES.iter().for_each(|&face| span(SAMPLE, size, face)),
        None => span(SPECIAL, "1rem", FACES[0]),
    }
    super::after_next_frame(move || step(doc, holder, k + 1));
}
