//! Time: whether the clock is kept in time by one daemon, and how far it is off.

pub mod time_sync;
