//! Sync benchmarks against a release `remit-server` process on SQLite, devices on loopback
//! (run by `scripts/bench-sync`, which builds the server and appends the figures to
//! bench/RESULTS.md). Targets (issue 5): a fresh device loads 10,000 invoices in under 3 s; an
//! edit on device A shows on device B with p99 under 15 ms while 100 devices are connected; one
//! edit reaches 50 watching devices with p99 under 100 ms; server memory with 1,000 connected
//! devices is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a benchmark: a panic is a failed run")]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use remit_client::remote::Remote;
use remit_client::replica::{InvoiceEdit, NewCustomer, NewInvoice, Replica, SyncReport};
use remit_core::{TenantId, UserId};

struct ServerProcess {
    child: Child,
    base: String,
    dir: PathBuf,
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn server_bin() -> PathBuf {
    std::env::var_os("REMIT_SERVER_BIN")
        .map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/release/remit-server"), PathBuf::from)
}

fn tenant(bin: &Path, db: &str, name: &str) -> String {
    let out = Command::new(bin)
        .args(["admin", "create-tenant", "--name", name, "--plan", "enterprise", "--database-url", db])
        .env("REMIT_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    // Here a hundred devices share the owner's one key; in life each user has their own, and
    // the plan's hourly limit per credential would throttle this run, not the sync path.
    let tenant = v["tenant_id"].as_str().unwrap();
    let limit = Command::new(bin)
        .args(["admin", "set-rate-limit", "--tenant", tenant, "--requests-per-hour", "100000000", "--database-url", db])
        .env("REMIT_LOG", "warn")
        .output()
        .unwrap();
    assert!(limit.status.success(), "{}", String::from_utf8_lossy(&limit.stderr));
    v["owner"]["api_key"].as_str().unwrap().to_owned()
}

fn start() -> (ServerProcess, String, String) {
    let bin = server_bin();
    let dir = std::env::temp_dir().join(format!("remit-bench-sync-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite:{}", dir.join("remit.db").display());
    let (big, small) = (tenant(&bin, &db, "Bench big"), tenant(&bin, &db, "Bench live"));
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(&bin)
        .args(["serve", "--database-url", &db, "--listen", &format!("127.0.0.1:{port}")])
        .env("REMIT_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let server = ServerProcess { child, base: base.clone(), dir };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (server, big, small);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("remit-server did not start at {base}");
}

struct Device {
    replica: Replica,
    remote: Remote,
}

fn device(base: &str, key: &str) -> Device {
    let dir = std::env::temp_dir().join(format!("remit-bench-device-{}", uuid::Uuid::now_v7().simple()));
    let (mut replica, _) = Replica::init(&dir).unwrap();
    let remote = Remote::new(base, key, &replica.device().device_id.to_string()).unwrap();
    let me = remote.me().unwrap();
    remote.register_device("bench").unwrap();
    replica.login(base, TenantId::parse(&me.tenant.id).unwrap(), UserId::parse(&me.user.id).unwrap()).unwrap();
    Device { replica, remote }
}

fn seed(d: &mut Device, invoices: usize) -> Vec<String> {
    let c = d.replica.create_customer(NewCustomer {
        name: "ACME Corporation".into(),
        currency: Some("USD".into()),
        ..Default::default()
    });
    let customer = c.unwrap()["id"].as_str().unwrap().to_owned();
    let ids = (0..invoices)
        .map(|i| {
            let lines = vec![
                format!("Web Development {i}|40|150.00|10").parse().unwrap(),
                "Hosting|12|19.99|10".parse().unwrap(),
            ];
            let input = NewInvoice {
                customer_id: customer.clone(),
                lines,
                notes: Some(format!("Seed {i}")),
                ..Default::default()
            };
            d.replica.create_invoice(input).unwrap()["id"].as_str().unwrap().to_owned()
        })
        .collect();
    d.replica.sync_once(&d.remote, 0).unwrap();
    ids
}

fn percentile(sorted: &[Duration], p: usize) -> Duration {
    sorted[(sorted.len() * p / 100).min(sorted.len() - 1)]
}

/// Milliseconds with one decimal, in integers (no float anywhere, benchmarks included).
fn ms(d: Duration) -> String {
    let tenths = d.as_micros() / 100;
    format!("{}.{} ms", tenths / 10, tenths % 10)
}

/// "p50 X p99 Y" of unsorted samples.
fn spread(mut samples: Vec<Duration>) -> String {
    samples.sort();
    format!("p50 {} p99 {}", ms(percentile(&samples, 50)), ms(percentile(&samples, 99)))
}

fn secs(d: Duration) -> String {
    let hundredths = d.as_millis() / 10;
    format!("{}.{:02} s", hundredths / 100, hundredths % 100)
}

/// Devices that only hold the live channel open, receiving every change, like idle apps. The
/// server sends each of them every change in full; they do not read it, because here they run
/// on the same two cores as the server and device B, and their reading (in the field each on
/// its own processor) would be measured as B's delay.
fn idle_watchers(base: &str, key: &str, n: usize, stop: &Arc<AtomicBool>) -> Vec<std::thread::JoinHandle<()>> {
    (0..n)
        .map(|_| {
            let remote = Remote::new(base, key, &uuid::Uuid::now_v7().to_string()).unwrap();
            remote.register_device("idle bench device").unwrap();
            let mut live = remote.live("").unwrap().expect("a plain-HTTP server has the live channel");
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let _ = live.next_text(Duration::from_millis(200)).unwrap();
                }
            })
        })
        .collect()
}

/// A device on the live channel that reports each new value of the invoice's notes with the
/// time it saw it, the size of the message that brought it and when that message arrived.
fn watcher(
    mut d: Device,
    id: String,
    stop: Arc<AtomicBool>,
    seen: mpsc::Sender<(String, Instant, usize, Instant)>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut live = d.remote.live(&d.replica.cursor().unwrap()).unwrap().unwrap();
        let mut last = String::new();
        while !stop.load(Ordering::Relaxed) {
            let Some(page) = live.next(Duration::from_millis(200)).unwrap() else { continue };
            let arrived = Instant::now();
            d.replica.apply_live(&page, &d.remote, &mut SyncReport::default()).unwrap();
            let notes = d.replica.invoice(&id).unwrap()["notes"].as_str().unwrap_or_default().to_owned();
            if notes != last {
                let _ = seen.send((notes.clone(), Instant::now(), page.received_bytes, arrived));
                last = notes;
            }
        }
    })
}

fn vm_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

fn main() {
    let invoices: usize = std::env::var("BENCH_INVOICES").ok().and_then(|v| v.parse().ok()).unwrap_or(10_000);
    let (server, big, small) = start();
    let base = server.base.clone();
    println!("| measurement | result | target |\n|---|---|---|");

    // A fresh device loads the whole tenant.
    let t = Instant::now();
    let mut seeder = device(&base, &big);
    seed(&mut seeder, invoices);
    eprintln!("seeded {invoices} invoices through sync in {}", secs(t.elapsed()));
    let mut fresh = device(&base, &big);
    let t = Instant::now();
    let report = fresh.replica.sync_once(&fresh.remote, 0).unwrap();
    let took = t.elapsed();
    println!(
        "| initial sync of {invoices} invoices (+1 customer) to a fresh device | {}, {} documents, {} KB received | < 3 s |",
        secs(took),
        report.pulled,
        report.pulled_bytes / 1024
    );
    // Where the time goes: the server's pages (and their transfer) against saving them here.
    let mut other = device(&base, &big);
    let (mut cursor, mut serving, mut saving) = (String::new(), Duration::ZERO, Duration::ZERO);
    loop {
        let t = Instant::now();
        let page = other.remote.changes(&cursor, 500, 0).unwrap();
        serving += t.elapsed();
        let t = Instant::now();
        other.replica.apply_page(&page, &mut SyncReport::default()).unwrap();
        saving += t.elapsed();
        cursor.clone_from(&page.next_cursor);
        if !page.more {
            break;
        }
    }
    eprintln!(
        "initial sync again: pages served and transferred {}, saved on the device {}",
        secs(serving),
        secs(saving)
    );
    if std::env::var_os("BENCH_ONLY_INITIAL").is_some() {
        return;
    }

    // Edit on A, seen on B, with 98 more devices connected.
    let mut a = device(&base, &small);
    let id = seed(&mut a, 1).remove(0);
    let stop = Arc::new(AtomicBool::new(false));
    let idle_count = std::env::var("BENCH_IDLE").ok().and_then(|v| v.parse().ok()).unwrap_or(98);
    let idle = idle_watchers(&base, &small, idle_count, &stop);
    let (tx, rx) = mpsc::channel();
    let mut b = device(&base, &small);
    b.replica.sync_once(&b.remote, 0).unwrap();
    let bw = watcher(b, id.clone(), stop.clone(), tx);
    std::thread::sleep(Duration::from_millis(500));
    let mut sizes = Vec::new();
    let mut stages = Vec::new();
    for n in 0..200 {
        let text = format!("edit {n}");
        let t0 = Instant::now();
        a.replica.edit_invoice(&id, InvoiceEdit { notes: Some(text.clone()), ..Default::default() }).unwrap();
        let edited = t0.elapsed();
        a.replica.push_pending(&a.remote).unwrap();
        let done = t0.elapsed();
        loop {
            let (notes, at, bytes, arrived) = rx.recv_timeout(Duration::from_secs(10)).expect("B saw the edit");
            if notes == text {
                stages.push((at - t0, edited, done, arrived - t0));
                sizes.push(bytes);
                break;
            }
        }
    }
    // Where B's time goes: the message's arrival at B, then B saving the change and reading it.
    stages.sort();
    let latencies: Vec<Duration> = stages.iter().map(|s| s.0).collect();
    let slowest: Vec<String> = stages
        .iter()
        .rev()
        .take(3)
        .map(|(total, edit, push, arrived)| {
            format!("{} = A {} / pushed {} / at B {}", ms(*total), ms(*edit), ms(*push), ms(*arrived))
        })
        .collect();
    eprintln!("B: the slowest edits: {}", slowest.join("; "));
    eprintln!(
        "B: message arrived {}; saved and read {}",
        spread(stages.iter().map(|s| s.3).collect()),
        spread(stages.iter().map(|s| s.0 - s.3).collect())
    );
    sizes.sort_unstable();
    eprintln!(
        "B: live message per edit p50 {} bytes, largest {} (the first whole, then only the changes)",
        sizes[sizes.len() / 2],
        sizes.last().unwrap()
    );
    // The server's own time per push (its latency histogram), to tell it from the devices'.
    if let Ok(metrics) = reqwest_metrics(&base) {
        for line in metrics.lines().filter(|l| l.contains("route=\"/v1/sync/push\"") && l.contains("duration")) {
            eprintln!("server: {line}");
        }
    }
    eprintln!(
        "A: local edit {}, edit + push done {}",
        spread(stages.iter().map(|s| s.1).collect()),
        spread(stages.iter().map(|s| s.2).collect())
    );
    println!(
        "| edit on A visible on B, 100 devices connected ({} edits) | p50 {}, p99 {} | p99 < 15 ms |",
        latencies.len(),
        ms(percentile(&latencies, 50)),
        ms(percentile(&latencies, 99))
    );

    // One edit reaching 50 watching devices.
    let (tx, rx) = mpsc::channel();
    let watchers: Vec<_> = (0..50)
        .map(|_| {
            let mut d = device(&base, &small);
            d.replica.sync_once(&d.remote, 0).unwrap();
            watcher(d, id.clone(), stop.clone(), tx.clone())
        })
        .collect();
    std::thread::sleep(Duration::from_secs(1));
    while rx.try_recv().is_ok() {}
    let mut fanout = Vec::new();
    for n in 0..20 {
        let text = format!("broadcast {n}");
        let t0 = Instant::now();
        a.replica.edit_invoice(&id, InvoiceEdit { notes: Some(text.clone()), ..Default::default() }).unwrap();
        a.replica.push_pending(&a.remote).unwrap();
        let mut got = 0;
        while got < 50 {
            let (notes, at, _, _) = rx.recv_timeout(Duration::from_secs(10)).expect("every watcher saw the edit");
            if notes == text {
                fanout.push(at - t0);
                got += 1;
            }
        }
    }
    fanout.sort();
    println!(
        "| one edit reaching 50 watching devices ({} deliveries) | p50 {}, p99 {} | p99 < 100 ms |",
        fanout.len(),
        ms(percentile(&fanout, 50)),
        ms(percentile(&fanout, 99))
    );
    stop.store(true, Ordering::Relaxed);
    for h in idle.into_iter().chain(watchers).chain([bw]) {
        h.join().unwrap();
    }

    // Server memory with 1,000 devices holding the live channel open.
    let pid = server.child.id();
    let before = vm_rss_kib(pid);
    let stop = Arc::new(AtomicBool::new(false));
    let held = idle_watchers(&base, &small, 1000, &stop);
    std::thread::sleep(Duration::from_secs(3));
    let during = vm_rss_kib(pid);
    println!(
        "| server memory, 1,000 devices connected (live channel open) | {} MiB resident ({} MiB before they connected) | reported |",
        during / 1024,
        before / 1024
    );
    stop.store(true, Ordering::Relaxed);
    for h in held {
        h.join().unwrap();
    }
}

/// `GET /metrics` as text.
fn reqwest_metrics(base: &str) -> std::io::Result<String> {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr)?;
    write!(stream, "GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    Ok(text)
}
