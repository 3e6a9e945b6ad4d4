//! The settings file (/etc/ecs-doctor/config.toml).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = ecs_doctor_fuzz::root(&[("/config.toml", Some(data))]);
    let _ = ecs_doctor::config::Config::load(Some(&dir.path("/config.toml")));
});
