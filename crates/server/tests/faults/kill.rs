//! SIGKILL at random moments: two phones keep sending reports and uploading
//! their photos in chunks while the server is killed with SIGKILL again and
//! again, mid-request, and started again on the same data and port.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::StatusCode;

use crate::harness::{client, files_under, hazard, incident, jpeg, login, verify, within, Env, Phone, Rng};

/// One phone's outbox: reports (two in three with one or two photos of
/// 40–250 KB) made and sent one after the other until `stop`, each retried
/// until it has its receipt, then its photos until they have arrived. Now
/// and then a report is sent again after its receipt, as a phone does when
/// it lost the answer.
async fn keep_sending(phone: Phone, mut rng: Rng, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::SeqCst) {
        let (report, photos) = if rng.chance(67) {
            let photos: Vec<Vec<u8>> = (0..rng.range(1, 3))
                .map(|_| {
                    let len = rng.range(40_000, 250_000) as usize;
                    jpeg(&mut rng, len)
                })
                .collect();
            let refs: Vec<&[u8]> = photos.iter().map(Vec::as_slice).collect();
            (hazard(&mut rng, &refs), photos)
        } else {
            (incident(&mut rng), Vec::new())
        };
        phone.queue(&report, &photos);
        let first = phone.send(&report).await;
        if rng.chance(30) {
            let again = phone.send(&report).await;
            assert_eq!(again, first, "a replay answers the first receipt");
        }
        for (photo, bytes) in report.photos.iter().zip(&photos) {
            phone.upload(photo, bytes).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_moments_loses_and_duplicates_nothing() {
    let mut rng = Rng::seeded("sigkill_at_random_moments");
    let env = Env::new().await;
    env.add_accounts().await;
    let mut server = env.start(&[]).await;
    let token = login(&env.base()).await;
    let phone = Phone::new(client(&token, false), env.base());
    let stop = Arc::new(AtomicBool::new(false));

    let started = Instant::now();
    let kills = rng.range(6, 11);
    let (mut during, mut downtime) = (0u64, Duration::ZERO);
    server = within(Duration::from_secs(75), "the kills and the queue", async {
        let phones: Vec<_> = (0..2u64)
            .map(|n| tokio::spawn(keep_sending(phone.clone(), Rng::new(rng.next() ^ n), Arc::clone(&stop))))
            .collect();
        for _ in 0..kills {
            tokio::time::sleep(rng.millis(150, 1200)).await;
            if phone.in_flight.load(Ordering::SeqCst) > 0 {
                during += 1;
            }
            server.kill().await;
            let down = Instant::now();
            tokio::time::sleep(rng.millis(0, 300)).await;
            server = env.start(&[]).await;
            downtime += down.elapsed();
        }
        stop.store(true, Ordering::SeqCst);
        // The phones finish what they hold with the server up.
        for p in phones {
            if let Err(e) = p.await {
                std::panic::resume_unwind(e.into_panic());
            }
        }
        server
    })
    .await;
    {
        let ledger = phone.ledger.lock().expect("ledger");
        let photos: usize = ledger.queued.iter().map(|(r, _)| r.photos.len()).sum();
        eprintln!(
            "{kills} kills ({during} during a request), down {downtime:?} in all, {:?} in all; \
             {} reports and {photos} photos sent; {} requests broken, answers refused: {:?}",
            started.elapsed(),
            ledger.queued.len(),
            ledger.broken,
            ledger.refusals
        );
        assert!(ledger.queued.len() >= 4, "too few reports to prove anything");
        assert!(ledger.broken as u64 >= kills / 2, "the kills broke too few requests");
    }
    assert!(
        during >= kills / 2,
        "only {during} of {kills} kills landed during a request"
    );
    verify(&env, &phone).await;
    let leftovers: Vec<_> = files_under(&env.data().join("photos"))
        .into_iter()
        .chain(files_under(&env.data().join("uploads")))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.len() != 64))
        .collect();
    eprintln!("left over: {leftovers:?}");

    // Killed once more with everything delivered: still all there, and every
    // report sent again answers its first receipt.
    server.kill().await;
    let server = env.start(&[]).await;
    let reports: Vec<_> = phone.ledger.lock().expect("ledger").queued.clone();
    for (report, _) in &reports {
        let res = phone
            .client
            .post(format!("{}/api/reports", phone.base))
            .json(report)
            .send()
            .await
            .expect("replay");
        assert_eq!(res.status(), StatusCode::OK, "a replay after the last kill");
        let receipt = res.json().await.expect("receipt");
        phone
            .ledger
            .lock()
            .expect("ledger")
            .receipts
            .entry(report.id)
            .or_default()
            .push(receipt);
    }
    verify(&env, &phone).await;
    drop(server);
}
