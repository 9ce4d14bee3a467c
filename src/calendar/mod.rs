//! Business-time arithmetic: [`BusinessHours`], [`Holiday`], [`HolidayCalendar`],
//! [`Recurrence`].
//!
//! Layer 1: pure, synchronous, no I/O; depends only on `error`.
//!
//! (Full guide below, filled in with the engine.)

mod engine;
mod holiday;
mod hours;
mod template;
mod zone;

pub use holiday::{Holiday, HolidayCalendar, Recurrence};
pub use hours::{BusinessHours, BusinessHoursBuilder, OpenSpans};
