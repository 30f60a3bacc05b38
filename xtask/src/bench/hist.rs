//! Latency histograms (HDR, microseconds) and their transport between the
//! worker processes and the harness (V2 serialization in base64, one JSON field).

use base64::Engine;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use hdrhistogram::Histogram;

pub type Hist = Histogram<u64>;

/// 1 µs to 5 minutes at 3 significant digits: a late message under overload is
/// still recorded, not clipped (clipping would hide exactly the tail we look for).
pub fn new() -> Hist {
    Histogram::new_with_bounds(1, 300_000_000, 3).expect("valid histogram bounds")
}

/// Records a latency in nanoseconds (saturating at the histogram's bounds).
pub fn record_ns(h: &mut Hist, ns: u64) {
    h.saturating_record((ns / 1_000).max(1));
}

pub fn encode(h: &Hist) -> String {
    let mut buf = Vec::new();
    // Serializing into a Vec cannot fail.
    let _ = V2Serializer::new().serialize(h, &mut buf);
    base64::engine::general_purpose::STANDARD.encode(buf)
}

pub fn decode(s: &str) -> anyhow::Result<Hist> {
    let bytes = base64::engine::general_purpose::STANDARD.decode(s)?;
    let h: Hist = Deserializer::new().deserialize(&mut bytes.as_slice())?;
    // Re-home into our bounds so histograms from several workers add up.
    let mut out = new();
    out.add(&h).map_err(|e| anyhow::anyhow!("histogram: {e:?}"))?;
    Ok(out)
}

/// Decodes and adds a histogram found at `v[key]`, if any.
pub fn merge_from(into: &mut Hist, v: &serde_json::Value, key: &str) -> anyhow::Result<()> {
    if let Some(s) = v.get(key).and_then(|x| x.as_str()) {
        into.add(decode(s)?).map_err(|e| anyhow::anyhow!("histogram: {e:?}"))?;
    }
    Ok(())
}

/// The value at quantile `q` (0..=1) in milliseconds.
pub fn ms(h: &Hist, q: f64) -> f64 {
    if h.is_empty() {
        return f64::NAN;
    }
    h.value_at_quantile(q) as f64 / 1_000.0
}

pub fn max_ms(h: &Hist) -> f64 {
    if h.is_empty() {
        return f64::NAN;
    }
    h.max() as f64 / 1_000.0
}
