//! The cloud disks of an instance as the ECS API's `DescribeDisks` gives them, which guest
//! device each one is, and the IOPS and throughput limit Alibaba Cloud publishes for its
//! category, performance level and size: what `disk.io.throttle` compares a measured ceiling
//! with.
//!
//! The response shape (`Disks.Disk[]` with `DiskId`, `Category`, `PerformanceLevel`, `Size` in
//! GiB, `Device`, `SerialNumber`, `ProvisionedIops`, `BurstingEnabled`, `Type`) is the one of the
//! official SDKs: alibabacloud-go ecs-20140526 `DescribeDisksResponseBodyDisksDisk` (its comments
//! give the category values and that `ProvisionedIops`/`BurstingEnabled` are set for
//! `cloud_auto` only) and aliyun/alibaba-cloud-sdk-go `services/ecs/struct_disk.go`.
//!
//! A virtio disk's serial in the guest (/sys/block/vdX/serial; an NVMe disk's
//! /sys/block/nvmeXn1/device/serial) is the API's `SerialNumber`, the disk id without its `d-`
//! ("Query the serial number of a disk", help.aliyun.com: serial numbers identify the block
//! storage devices and give their ids; only disks created on or after 2020-06-10 have one; the
//! SDK's examples `d-bp18um4r4f2fve24****` and `bp18um4r4f2fve2****`). Without a serial the
//! API's `Device` (`/dev/xvdb`, which the guest names `/dev/vdb`) is the fallback.
//!
//! The limits are the formulas of "Block storage performance"
//! (<https://www.alibabacloud.com/help/en/ecs/user-guide/block-storage-performance>, the table
//! "Disk performance", capacity C in GiB):
//! - ESSD PL0: min{1,800 + 12 × C, 10,000} IOPS, min{100 + 0.25 × C, 180} MB/s
//! - ESSD PL1: min{1,800 + 50 × C, 50,000}, min{120 + 0.5 × C, 350}
//! - ESSD PL2: min{1,800 + 50 × C, 100,000}, min{120 + 0.5 × C, 750}
//! - ESSD PL3: min{1,800 + 50 × C, 1,000,000}, min{120 + 0.5 × C, 4,000}
//! - ESSD Entry (`cloud_essd_entry`): min{1,800 + 8 × C, 6,000}, min{100 + 0.15 × C, 150}
//! - ESSD AutoPL (`cloud_auto`): baseline max{min{1,800 + 50 × C, 50,000}, 3,000} and
//!   max{min{120 + 0.5 × C, 350}, 125}, plus the provisioned IOPS (16 KB × provisioned IOPS /
//!   1,024 MB/s); with performance burst on, up to min{1,000,000, 1,000 × C} IOPS (C >= 4) and
//!   max{min{16 KB × that / 1,024, 4,096}, baseline + provisioned} MB/s
//! - ESSD zone-redundant (`cloud_regional_disk_auto`): min{1,800 + 50 × C, 50,000}, min{120 +
//!   0.5 × C, 350}
//! - standard SSD (`cloud_ssd`): min{1,800 + 30 × C, 25,000}, min{120 + 0.5 × C, 300}
//! - ultra disk (`cloud_efficiency`): min{1,800 + 8 × C, 5,000}, min{100 + 0.15 × C, 140}
//! - basic disk (`cloud`): "hundreds" of IOPS and 30 to 40 MB/s, no formula.

use serde_json::Value;

/// One disk of `DescribeDisks`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Disk {
    pub id: String,
    /// `cloud_essd`, `cloud_auto`, ...
    pub category: String,
    /// `PL0`..`PL3` for an ESSD.
    pub performance_level: Option<String>,
    pub size_gib: f64,
    /// `/dev/xvdb`: where the API says it is attached.
    pub device: Option<String>,
    pub serial: Option<String>,
    /// `system` or `data`.
    pub kind: Option<String>,
    pub provisioned_iops: f64,
    pub bursting: bool,
}

fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The disks of one `DescribeDisks` answer (a disk without an id is left out).
pub fn parse(v: &Value) -> Vec<Disk> {
    let Some(list) = v["Disks"]["Disk"].as_array() else { return Vec::new() };
    list.iter()
        .filter_map(|d| {
            Some(Disk {
                id: text(&d["DiskId"])?,
                category: text(&d["Category"]).unwrap_or_default(),
                performance_level: text(&d["PerformanceLevel"]),
                size_gib: number(&d["Size"]).unwrap_or(0.0),
                device: text(&d["Device"]),
                serial: text(&d["SerialNumber"]),
                kind: text(&d["Type"]),
                provisioned_iops: number(&d["ProvisionedIops"]).unwrap_or(0.0),
                bursting: d["BurstingEnabled"].as_bool().unwrap_or(false)
                    || d["BurstingEnabled"].as_str().is_some_and(|s| s.eq_ignore_ascii_case("true")),
            })
        })
        .collect()
}

/// A disk's published limit.
#[derive(Debug, Clone, PartialEq)]
pub struct Limit {
    /// How the console names the category: `ESSD PL0`, `standard SSD`.
    pub label: String,
    /// Reads and writes a second; `None` where no formula is published (a basic disk).
    pub iops: Option<f64>,
    /// MB/s.
    pub mb_per_s: Option<f64>,
    /// `ESSD AutoPL`: the limit is baseline plus provisioned (plus burst), raised without a
    /// resize; the others grow with the size or the performance level.
    pub provisioned: bool,
}

fn min(a: f64, b: f64) -> f64 {
    a.min(b)
}

/// The limit of `d` by the published formulas, `None` for a category without one here (a
/// local disk, an ephemeral disk, a category this table does not know).
pub fn limit(d: &Disk) -> Option<Limit> {
    let c = d.size_gib;
    let formula = |label: &str, iops: f64, mb: f64| Limit {
        label: label.to_string(),
        iops: Some(iops.round()),
        mb_per_s: Some((mb * 100.0).round() / 100.0),
        provisioned: false,
    };
    Some(match d.category.as_str() {
        "cloud_essd" => {
            let pl = d.performance_level.as_deref().unwrap_or("PL1").to_ascii_uppercase();
            let label = format!("ESSD {pl}");
            match pl.as_str() {
                "PL0" => formula(&label, min(1800.0 + 12.0 * c, 10_000.0), min(100.0 + 0.25 * c, 180.0)),
                "PL1" => formula(&label, min(1800.0 + 50.0 * c, 50_000.0), min(120.0 + 0.5 * c, 350.0)),
                "PL2" => formula(&label, min(1800.0 + 50.0 * c, 100_000.0), min(120.0 + 0.5 * c, 750.0)),
                "PL3" => formula(&label, min(1800.0 + 50.0 * c, 1_000_000.0), min(120.0 + 0.5 * c, 4000.0)),
                _ => return None,
            }
        }
        "cloud_essd_entry" => formula("ESSD Entry", min(1800.0 + 8.0 * c, 6000.0), min(100.0 + 0.15 * c, 150.0)),
        "cloud_regional_disk_auto" => {
            formula("zone-redundant ESSD", min(1800.0 + 50.0 * c, 50_000.0), min(120.0 + 0.5 * c, 350.0))
        }
        "cloud_ssd" => formula("standard SSD", min(1800.0 + 30.0 * c, 25_000.0), min(120.0 + 0.5 * c, 300.0)),
        "cloud_efficiency" => formula("ultra disk", min(1800.0 + 8.0 * c, 5000.0), min(100.0 + 0.15 * c, 140.0)),
        "cloud_auto" => {
            let base_iops = min(1800.0 + 50.0 * c, 50_000.0).max(3000.0);
            let base_mb = min(120.0 + 0.5 * c, 350.0).max(125.0);
            let prov = d.provisioned_iops.max(0.0);
            let (mut iops, mut mb) = (base_iops + prov, base_mb + 16.0 * prov / 1024.0);
            if d.bursting && c >= 4.0 {
                let burst = min(1_000_000.0, 1000.0 * c);
                mb = min(16.0 * burst / 1024.0, 4096.0).max(mb);
                iops = burst.max(iops);
            }
            Limit { provisioned: true, ..formula("ESSD AutoPL", iops, mb) }
        }
        "cloud" => Limit { label: "basic disk".into(), iops: None, mb_per_s: None, provisioned: false },
        _ => return None,
    })
}

/// The disk of `disks` the guest device `name` (`vdb`, `nvme1n1`, `loop3`) is: by the serial
/// the guest reads (`SerialNumber`, or the id without `d-`), else by the API's `Device` with
/// Xen's `xvd` read as the guest's `vd`.
pub fn find<'a>(disks: &'a [Disk], name: &str, serial: Option<&str>) -> Option<&'a Disk> {
    if let Some(serial) = serial.map(str::trim).filter(|s| !s.is_empty()) {
        let by_serial = disks.iter().find(|d| {
            d.serial.as_deref().is_some_and(|s| s.eq_ignore_ascii_case(serial))
                || d.id.strip_prefix("d-").is_some_and(|id| id.eq_ignore_ascii_case(serial))
        });
        if by_serial.is_some() {
            return by_serial;
        }
    }
    disks.iter().find(|d| {
        d.device.as_deref().map(|dev| dev.trim_start_matches("/dev/")).is_some_and(|dev| {
            dev == name || dev.strip_prefix("xvd").is_some_and(|rest| name.strip_prefix("vd") == Some(rest))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The official shape (alibabacloud-go ecs-20140526 DescribeDisksResponseBody, its field
    /// examples): numbers as numbers, `BurstingEnabled` a boolean, `Device` `/dev/xvdb`.
    const ANSWER: &str = r#"{"RequestId":"473469C7-AA6F-4DC5-B3DB-A3DC0DE3C83E","TotalCount":3,"PageNumber":1,
        "PageSize":10,"NextToken":"","Disks":{"Disk":[
        {"DiskId":"d-bp18um4r4f2fve24abcd","SerialNumber":"bp18um4r4f2fve24abcd","Category":"cloud_essd",
         "PerformanceLevel":"PL0","Size":40,"Type":"system","Device":"/dev/xvda","Status":"In_use",
         "InstanceId":"i-bp67acfmxazb4q1234","RegionId":"cn-hangzhou","ZoneId":"cn-hangzhou-i","IOPS":2280,
         "Throughput":110,"MultiAttach":"Disabled","Tags":{"Tag":[]},"OperationLocks":{"OperationLock":[]}},
        {"DiskId":"d-bp1autopl000000000001","SerialNumber":"bp1autopl000000000001","Category":"cloud_auto",
         "PerformanceLevel":"","Size":100,"Type":"data","Device":"/dev/xvdb","ProvisionedIops":40000,
         "BurstingEnabled":false,"Status":"In_use"},
        {"DiskId":"d-bp1old0000000000000001","Category":"cloud_efficiency","Size":"20","Type":"data",
         "Device":"/dev/xvdc","Status":"In_use"},
        {"Category":"cloud_ssd","Size":20}]}}"#;

    fn disks() -> Vec<Disk> {
        parse(&serde_json::from_str(ANSWER).expect("json"))
    }

    #[test]
    fn parses_the_official_shape() {
        let d = disks();
        assert_eq!(d.len(), 3, "a disk without an id is left out");
        assert_eq!(d[0].id, "d-bp18um4r4f2fve24abcd");
        assert_eq!((d[0].category.as_str(), d[0].performance_level.as_deref()), ("cloud_essd", Some("PL0")));
        assert_eq!(
            (d[0].size_gib, d[0].kind.as_deref(), d[0].device.as_deref()),
            (40.0, Some("system"), Some("/dev/xvda"))
        );
        assert_eq!((d[1].provisioned_iops, d[1].bursting, d[1].performance_level.as_deref()), (40000.0, false, None));
        assert_eq!((d[2].size_gib, d[2].serial.as_deref()), (20.0, None), "a size given as text");
    }

    #[test]
    fn the_guest_device_is_found_by_serial_then_by_device_name() {
        let d = disks();
        assert_eq!(
            find(&d, "vda", Some("bp18um4r4f2fve24abcd")).map(|d| d.id.as_str()),
            Some("d-bp18um4r4f2fve24abcd")
        );
        // NVMe: the serial alone names it (no /dev/xvd name to compare).
        assert_eq!(
            find(&d, "nvme1n1", Some("bp1autopl000000000001\n")).map(|d| d.id.as_str()),
            Some("d-bp1autopl000000000001")
        );
        // No serial (a disk created before June 2020): the API's /dev/xvdc is the guest's vdc.
        assert_eq!(find(&d, "vdc", None).map(|d| d.id.as_str()), Some("d-bp1old0000000000000001"));
        // The id without `d-` when the API gives no SerialNumber.
        assert_eq!(
            find(&d, "vdz", Some("bp1old0000000000000001")).map(|d| d.id.as_str()),
            Some("d-bp1old0000000000000001")
        );
        assert_eq!(find(&d, "loop3", None), None, "not a disk of this instance");
        assert_eq!(find(&d, "vdb", Some("someone-else")).map(|d| d.id.as_str()), Some("d-bp1autopl000000000001"));
    }

    #[test]
    fn the_published_formulas() {
        let disk = |category: &str, pl: Option<&str>, size: f64| Disk {
            id: "d-x".into(),
            category: category.into(),
            performance_level: pl.map(str::to_string),
            size_gib: size,
            ..Default::default()
        };
        let l = |d: &Disk| limit(d).map(|l| (l.label, l.iops, l.mb_per_s));
        let some = |label: &str, iops: f64, mb: f64| Some((label.to_string(), Some(iops), Some(mb)));
        assert_eq!(l(&disk("cloud_essd", Some("PL0"), 40.0)), some("ESSD PL0", 2280.0, 110.0));
        assert_eq!(l(&disk("cloud_essd", Some("PL0"), 1000.0)), some("ESSD PL0", 10_000.0, 180.0), "capped");
        assert_eq!(l(&disk("cloud_essd", Some("PL1"), 100.0)), some("ESSD PL1", 6800.0, 170.0));
        assert_eq!(l(&disk("cloud_essd", Some("PL1"), 2000.0)), some("ESSD PL1", 50_000.0, 350.0));
        assert_eq!(l(&disk("cloud_essd", Some("PL2"), 461.0)), some("ESSD PL2", 24_850.0, 350.5));
        assert_eq!(l(&disk("cloud_essd", Some("PL2"), 4000.0)), some("ESSD PL2", 100_000.0, 750.0));
        assert_eq!(l(&disk("cloud_essd", Some("PL3"), 1261.0)), some("ESSD PL3", 64_850.0, 750.5));
        assert_eq!(l(&disk("cloud_essd", Some("PL3"), 65_536.0)), some("ESSD PL3", 1_000_000.0, 4000.0));
        assert_eq!(l(&disk("cloud_essd", None, 20.0)), some("ESSD PL1", 2800.0, 130.0), "PL1 when not given");
        assert_eq!(l(&disk("cloud_essd_entry", None, 40.0)), some("ESSD Entry", 2120.0, 106.0));
        assert_eq!(l(&disk("cloud_essd_entry", None, 1000.0)), some("ESSD Entry", 6000.0, 150.0));
        assert_eq!(l(&disk("cloud_ssd", None, 20.0)), some("standard SSD", 2400.0, 130.0));
        assert_eq!(l(&disk("cloud_ssd", None, 1000.0)), some("standard SSD", 25_000.0, 300.0));
        assert_eq!(l(&disk("cloud_efficiency", None, 20.0)), some("ultra disk", 1960.0, 103.0));
        assert_eq!(l(&disk("cloud_efficiency", None, 500.0)), some("ultra disk", 5000.0, 140.0));
        assert_eq!(l(&disk("cloud_regional_disk_auto", None, 100.0)), some("zone-redundant ESSD", 6800.0, 170.0));
        assert_eq!(l(&disk("cloud", None, 100.0)), Some(("basic disk".into(), None, None)));
        assert_eq!(l(&disk("local_ssd_pro", None, 100.0)), None);
        assert_eq!(l(&disk("cloud_essd", Some("PL9"), 100.0)), None);
        // AutoPL: baseline (at least 3,000 IOPS and 125 MB/s) plus provisioned, or the burst.
        let mut auto = disk("cloud_auto", None, 20.0);
        assert_eq!(l(&auto), some("ESSD AutoPL", 3000.0, 130.0));
        auto.provisioned_iops = 1024.0;
        assert_eq!(l(&auto), some("ESSD AutoPL", 4024.0, 146.0));
        auto.bursting = true;
        assert_eq!(l(&auto), some("ESSD AutoPL", 20_000.0, 312.5));
        assert!(limit(&auto).is_some_and(|l| l.provisioned));
    }
}
