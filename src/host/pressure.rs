//! Pressure stall information (`/proc/pressure/{cpu,memory,io}`, Linux 4.20+ with psi=1): the
//! share of time tasks waited for a resource. Read by the memory, disk and resource probes.

/// The value `field` (`avg10`, `avg60`, `avg300`) of the line `kind` (`some`, `full`) of a
/// pressure file: `some avg10=1.23 avg60=0.50 avg300=0.10 total=12345`
pub fn psi_avg(text: &str, kind: &str, field: &str) -> Option<f64> {
    let line = text.lines().find(|l| l.starts_with(kind))?;
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(field)?.strip_prefix('='))
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v >= 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn psi_lines() {
        let t = "some avg10=12.50 avg60=3.00 avg300=1.00 total=100\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n";
        assert_eq!(psi_avg(t, "some", "avg10"), Some(12.5));
        assert_eq!(psi_avg(t, "full", "avg60"), Some(0.0));
        assert_eq!(psi_avg(t, "some", "avg5"), None);
        assert_eq!(psi_avg("some avg10=x", "some", "avg10"), None);
        assert_eq!(psi_avg("", "some", "avg10"), None);
    }
}
