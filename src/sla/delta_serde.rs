//! Exact serde for `chrono::TimeDelta` (which has no serde support of its own):
//! a `[seconds, nanoseconds]` pair, lossless for every value. Crate-internal.

use chrono::TimeDelta;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub(crate) fn serialize<S: Serializer>(d: &TimeDelta, s: S) -> Result<S::Ok, S::Error> {
    (d.num_seconds(), d.subsec_nanos()).serialize(s)
}

pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TimeDelta, D::Error> {
    let (secs, nanos) = <(i64, i32)>::deserialize(d)?;
    TimeDelta::try_seconds(secs)
        .and_then(|s| s.checked_add(&TimeDelta::nanoseconds(i64::from(nanos))))
        .ok_or_else(|| serde::de::Error::custom(format!("duration of {secs}s out of range")))
}
