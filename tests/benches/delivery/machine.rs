//! The machine the numbers come from: its CPUs, memory, the filesystem under the stores and
//! what an fsync costs there ([`machine_info`]), and how much CPU went to the benchmark's own
//! processes and how much elsewhere while a scenario ran ([`CpuMeter`], from /proc).
//!
//! Linux-specific readings degrade to "unknown" or `None` elsewhere; nothing here fails a run.

use std::path::Path;

use super::FSYNC_PROBES;
use super::measure::Stats;

#[derive(Debug)]
pub(super) struct MachineInfo {
    pub(super) cpus: usize,
    pub(super) model: String,
    pub(super) memory: String,
    /// Where the nodes' sled stores live (their fsyncs decide a lot).
    pub(super) store_filesystem: String,
    /// Median and p99 of writing 4 KiB and `sync_all` on that filesystem.
    pub(super) fsync: Stats,
}

/// Tells how much CPU went elsewhere while a scenario ran: to other processes on this machine
/// (say, a build) or to the hypervisor (steal). On a small shared machine that decides whether
/// a number means anything.
#[derive(Debug, Clone, Copy)]
pub(super) struct CpuMeter<'a> {
    started: std::time::Instant,
    /// This process and the node processes it started.
    processes: &'a [u32],
    /// Busy and stolen time of the whole machine, and the time of `processes`, in clock ticks.
    machine_ticks: Option<u64>,
    own_ticks: Option<u64>,
}

/// Linux reports CPU times in `USER_HZ` ticks, 100 per second on every mainstream platform.
const TICKS_PER_SECOND: f64 = 100.0;

impl<'a> CpuMeter<'a> {
    pub(super) fn start(processes: &'a [u32]) -> Self {
        Self {
            started: std::time::Instant::now(),
            processes,
            machine_ticks: machine_busy_ticks(),
            own_ticks: own_ticks(processes),
        }
    }

    /// Cores' worth of CPU the benchmark's processes used since the start (`None` without
    /// /proc).
    pub(super) fn own_cores(&self) -> Option<f64> {
        let own = own_ticks(self.processes)?.checked_sub(self.own_ticks?)?;
        Some(own as f64 / TICKS_PER_SECOND / self.started.elapsed().as_secs_f64())
    }

    /// Cores' worth of CPU used elsewhere since the start (`None` without /proc).
    pub(super) fn elsewhere(&self) -> Option<f64> {
        let machine = machine_busy_ticks()?.checked_sub(self.machine_ticks?)?;
        let own = own_ticks(self.processes)?.checked_sub(self.own_ticks?)?;
        let seconds = self.started.elapsed().as_secs_f64();
        Some(machine.saturating_sub(own) as f64 / TICKS_PER_SECOND / seconds)
    }
}

/// user + nice + system + irq + softirq + steal of all CPUs, from /proc/stat.
fn machine_busy_ticks() -> Option<u64> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let fields: Vec<u64> = stat
        .lines()
        .next()?
        .strip_prefix("cpu ")?
        .split_whitespace()
        .map(str::parse)
        .collect::<Result<_, _>>()
        .ok()?;
    // user nice system idle iowait irq softirq steal (guest time is already in user).
    let [user, nice, system, _idle, _iowait, irq, softirq, steal, ..] = fields[..] else {
        return None;
    };
    Some(user + nice + system + irq + softirq + steal)
}

/// utime + stime of `processes` (all their threads), from /proc/PID/stat.
fn own_ticks(processes: &[u32]) -> Option<u64> {
    processes.iter().try_fold(0, |sum, pid| {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name may contain spaces; the fields after it start with the state
        // (field 3).
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let utime: u64 = fields.get(11)?.parse().ok()?;
        let stime: u64 = fields.get(12)?.parse().ok()?;
        Some(sum + utime + stime)
    })
}

pub(super) fn machine_info(store_dir: &Path) -> MachineInfo {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name")?.split_once(':'))
        .map_or_else(
            || "unknown".to_owned(),
            |(_, model)| model.trim().to_owned(),
        );
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|value| value.trim().strip_suffix("kB")?.trim().parse::<u64>().ok())
        .map_or_else(
            || "unknown".to_owned(),
            |kib| format!("{:.1} GiB", kib as f64 / (1024.0 * 1024.0)),
        );
    // The mount with the longest prefix of the store's path holds the store.
    let mounts = std::fs::read_to_string("/proc/mounts").unwrap_or_default();
    let store_filesystem = mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (device, mount_point, kind) = (fields.next()?, fields.next()?, fields.next()?);
            store_dir
                .starts_with(mount_point)
                .then(|| (mount_point.len(), format!("{kind} on {device}")))
        })
        .max_by_key(|(length, _)| *length)
        .map_or_else(|| "unknown".to_owned(), |(_, filesystem)| filesystem);
    MachineInfo {
        cpus: std::thread::available_parallelism().map_or(1, |n| n.get()),
        model,
        memory,
        store_filesystem: format!("{} ({})", store_dir.display(), store_filesystem),
        fsync: fsync_probe(store_dir),
    }
}

/// Times writing 4 KiB to a file and `sync_all` on the stores' filesystem: the floor under
/// every durable step of a delivery.
fn fsync_probe(dir: &Path) -> Stats {
    let path = dir.join("fsync-probe");
    let mut samples = Vec::with_capacity(FSYNC_PROBES);
    let block = [0x5a_u8; 4096];
    if let Ok(mut file) = std::fs::File::create(&path) {
        for _ in 0..FSYNC_PROBES {
            let started = std::time::Instant::now();
            if std::io::Write::write_all(&mut file, &block)
                .and_then(|()| file.sync_all())
                .is_err()
            {
                break;
            }
            samples.push(started.elapsed());
        }
    }
    let _ = std::fs::remove_file(&path);
    Stats::new(samples)
}
