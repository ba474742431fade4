//! Render the first N sample galaxies into one PNG to eyeball the generator:
//! `cargo run -p gzv-sample --example contact_sheet -- OUT.png [N] [SEED]`.

use gzv_sample::morph::Morphology;
use gzv_sample::render::{SIZE, render};
use gzv_sample::rng::Rng;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let out = args.get(1).cloned().unwrap_or_else(|| "contact.png".into());
    let n: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(16);
    let seed: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2024);
    let cols = (n as f64).sqrt().ceil() as usize;
    let rows = n.div_ceil(cols);
    let half = SIZE / 2;
    let mut sheet = image::RgbImage::new((cols * half) as u32, (rows * half) as u32);
    let root = Rng::new(seed);
    for i in 0..n {
        let mut rng = root.fork(i as u64);
        let m = Morphology::draw(&mut rng);
        let rgb = render(&m, &mut rng);
        let img = image::RgbImage::from_raw(SIZE as u32, SIZE as u32, rgb).expect("size");
        let small = image::imageops::resize(
            &img,
            half as u32,
            half as u32,
            image::imageops::FilterType::Triangle,
        );
        image::imageops::replace(
            &mut sheet,
            &small,
            ((i % cols) * half) as i64,
            ((i / cols) * half) as i64,
        );
        println!("{i}: {m:?}");
    }
    sheet.save(&out).expect("write png");
}
