//! Time: whether the clock is kept in time by one daemon, and how far it is off (`time_sync`);
//! how it is set up: time zone, hardware clock mode and the RTC (`clock_settings`).

pub mod clock_settings;
pub mod time_sync;
