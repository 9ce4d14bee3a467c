//! Business-time arithmetic: [`BusinessHours`], [`Holiday`], [`HolidayCalendar`],
//! [`Recurrence`].
//!
//! Layer 1: pure, synchronous, no I/O; depends only on `error`.
//!
//! # Overview
//!
//! A [`BusinessHours`] is a weekly schedule in an IANA time zone — any number of
//! intervals per weekday, overnight ones included — minus [`Holiday`]s (whole or
//! partial days; one-time, annual, floating, optionally "observed"), with
//! per-date [special hours](BusinessHoursBuilder::special_hours). It answers:
//!
//! | question | method |
//! | --- | --- |
//! | is the desk open now? | [`is_open`](BusinessHours::is_open) |
//! | when does it open / close next? | [`next_open`](BusinessHours::next_open), [`next_close`](BusinessHours::next_close) |
//! | when is a target of N business hours due? | [`add`](BusinessHours::add) (also negative) |
//! | how much business time between two instants? | [`between`](BusinessHours::between) |
//! | which open spans lie in a range? | [`open_spans`](BusinessHours::open_spans) |
//!
//! # Example: a deadline across the spring-forward night
//!
//! ```
//! use chrono::{NaiveTime, TimeDelta, Weekday};
//! use hotcrm_support::calendar::BusinessHours;
//!
//! // A night desk in New York, open every day 00:00-06:00 local time.
//! let mut builder = BusinessHours::builder(chrono_tz::America::New_York);
//! for day in [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun] {
//!     builder = builder.interval(day, NaiveTime::MIN, NaiveTime::from_hms_opt(6, 0, 0).unwrap());
//! }
//! let night = builder.build()?;
//! // 2024-03-10 has no 02:00-03:00: its 00:00-06:00 window holds 5 real hours, so
//! // 6 business hours from that midnight end at 01:00 EDT the next night.
//! let due = night.add("2024-03-10T05:00:00Z".parse()?, TimeDelta::hours(6))?;
//! assert_eq!(due.to_rfc3339(), "2024-03-11T05:00:00+00:00");
//! // On 2024-11-03 the same window holds 7 real hours.
//! let span = night.between("2024-11-03T04:00:00Z".parse()?, "2024-11-03T11:00:00Z".parse()?);
//! assert_eq!(span, TimeDelta::hours(7));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The contract
//!
//! These are decisions; other tools disagree on several of them.
//!
//! - **Half-open intervals.** `[open, close)`: open at the opening instant, closed at
//!   the closing one. An interval whose end is not after its start runs past midnight
//!   into the next day (22:00–06:00); `00:00–00:00` is the whole day. Intervals of one
//!   weekly schedule may touch but not overlap (checked cyclically, so a Sunday
//!   overnight shift may not overlap Monday morning).
//! - **Spans.** The open time is a set: resolved intervals that touch or overlap form
//!   one span. `next_open(t)` is `t` when open, else the next span's start;
//!   `next_close(t)` is the end of the span containing `t`, else of the next span.
//! - **`between(a, b)`** is the business time in `[a, b)`, and signed:
//!   `between(b, a) == -between(a, b)`.
//! - **`add(t, d)`** with `d > 0` is the *earliest* `r` with `between(t, r) == d`, so a
//!   result that uses up a day's last minute lands on that day's close (Mon 09:00 + 8h
//!   = Mon 17:00 on a 9–17 calendar), and one that lands at the start of a lunch break
//!   stays there. With `d < 0` it is the *latest* `r` with `between(r, t) == -d`
//!   (Tue 17:00 − 8h = Tue 09:00). `add(t, 0) == t`, open or not. The laws
//!   `between(t, add(t, d)) == d` and monotonicity in `d` hold on every calendar that
//!   opens; they are property-tested against a brute-force reference.
//! - **Real elapsed time.** Local wall times are resolved in the calendar's zone,
//!   date by date. A local time in a spring-forward gap moves forward by the gap's
//!   length (02:30 → 03:30 in New York); an ambiguous fall-back time takes the earlier
//!   instant. Day boundaries are resolved local midnights, never `start + 24h` (in
//!   São Paulo on 2018-11-04 the day starts at 01:00). An interval belongs to the date
//!   it starts on and is resolved on its own; if DST makes its end not later than its
//!   start (02:30–03:15 on a spring-forward day) it is empty that day. Intervals that
//!   overlap only after resolution are merged, never counted twice.
//! - **Holidays** remove their local date `[00:00, next 00:00)` — or only their
//!   [hours](Holiday::hours) — from every interval, including the part of an overnight
//!   shift that falls on that date. A holiday's closed hours may end at `00:00`,
//!   meaning midnight at the end of its date. The [observed](Holiday::observed) rule
//!   moves a Saturday date to Friday and a Sunday date to Monday (only the observed
//!   date closes). Holidays of several [`HolidayCalendar`]s and direct holidays
//!   combine; two on one date close the union of their hours.
//! - **Special hours** replace the weekly intervals that start on that local date
//!   (an empty list closes the day); the previous day's overnight shift still runs
//!   into it, and where the two overlap they merge (to close a whole date, spill-over
//!   included, declare a holiday). Setting special hours twice for a date keeps the
//!   last call. Holidays still apply on special days.
//! - **Never open.** A calendar with no business time left in a direction makes
//!   [`add`](BusinessHours::add) return [`Error::NeverOpen`](crate::Error::NeverOpen),
//!   `next_open` and `next_close` return `None` and
//!   [`open_spans`](BusinessHours::open_spans) end, after a bounded computation —
//!   whether it has no intervals at all, only finitely many special days, or
//!   holidays on every date its intervals fall on — for any range, up to
//!   `DateTime::<Utc>::MIN_UTC..MAX_UTC`. Results outside chrono's range are
//!   [`Error::Overflow`](crate::Error::Overflow); `between` cannot overflow (it
//!   would saturate). Nothing loops forever and nothing panics.
//! - **Precision.** Instants and durations are exact to the nanosecond. Leap-second
//!   times (`23:59:60`) are rejected in definitions.
//!
//! # Records are validated on load
//!
//! Deserializing a [`BusinessHours`] validates and compiles it like
//! [`build`](BusinessHoursBuilder::build); a [`Holiday`] (also inside a
//! [`HolidayCalendar`]) is checked like the builder checks it
//! ([`Holiday::validate`]: the rule, closed hours whose end follows their start,
//! no leap seconds), and a [`Recurrence`] on its own by [`Recurrence::validate`]
//! (month 1–12, a day that exists in that month, `nth` 1..=5 or -1). Errors name
//! the holiday and the bad value.
//!
//! # Time-zone data
//!
//! Offsets come from chrono-tz (the IANA database it bundles), which lists
//! transitions from 1844 to 2099 and keeps the last offset afterwards; this crate
//! follows it exactly, probing each zone once per process (a few milliseconds) to
//! build a transition table.
//!
//! # Performance
//!
//! `add`, `between`, `next_open` and each step of `open_spans` never walk hour by
//! hour or day by day. The weekly template carries cumulative totals, so whole
//! weeks are jumped in O(1); the days that differ
//! from it — holidays, special days, and the days around DST transitions that fall
//! inside open time (transitions in closed time shift nothing and cost nothing) — are
//! precomputed when the calendar is built, each with the business time up to it, and
//! found by binary search. Beyond the years those cover, the calendar repeats every
//! 400 Gregorian years (146,097 days, exactly 20,871 weeks), so any distance costs
//! O(log n). Measured on a New York 9–17 calendar (see `benches/business_hours.rs`):
//! about 0.2 µs for `add` of 2 hours and of 1,000,000 hours alike, with or without the
//! US federal holidays. Building a calendar with holidays takes well under a
//! millisecond; clones share it.

mod engine;
mod holiday;
mod hours;
mod template;
mod zone;

pub use holiday::{Holiday, HolidayCalendar, Observance, Recurrence, easter_sunday};
pub use hours::{BusinessHours, BusinessHoursBuilder, OpenSpans};
