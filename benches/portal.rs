//! Community benchmarks.
//!
//! `portal/topic_page` measures what a topic page costs: 1,000 posts of one
//! topic (a tenth held for moderation, a twentieth hidden, votes from 0 to 60
//! per post) filtered for one member and ordered by quality with the accepted
//! answer first. Target: < 200 µs.
//!
//! Run with `cargo bench --bench portal`.
#![allow(missing_docs, clippy::expect_used, clippy::indexing_slicing)]

use std::hint::black_box;

use chrono::{DateTime, TimeDelta, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use hotcrm_support::ids::{PortalUserId, PostId, TopicId};
use hotcrm_support::portal::{ForumAuthor, ForumPost, PostStatus, Reader, Vote, posts_for_reader};

fn posts(n: u32) -> Vec<ForumPost> {
    let start: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().expect("valid instant");
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    (0..n)
        .map(|i| {
            let author = ForumAuthor::User(PortalUserId::from_u128(u128::from(i % 50) + 1));
            let at = start + TimeDelta::minutes(i64::from(i));
            let mut post = ForumPost::new(
                PostId::from_u128(u128::from(i) + 1),
                TopicId::from_u128(1),
                author,
                format!("reply {i}"),
                at,
            )
            .expect("valid post");
            let votes = next() % 61;
            for v in 0..votes {
                let vote = if next() % 3 == 0 {
                    Vote::NotHelpful
                } else {
                    Vote::Helpful
                };
                post.vote(
                    ForumAuthor::User(PortalUserId::from_u128(1000 + u128::from(v))),
                    vote,
                    at,
                )
                .expect("not the author");
            }
            post.status = match i % 20 {
                0 => PostStatus::Hidden,
                1 | 2 => PostStatus::PendingModeration,
                _ => PostStatus::Visible,
            };
            post
        })
        .collect()
}

fn topic_page(c: &mut Criterion) {
    let posts = posts(1_000);
    let reader = Reader::Member(ForumAuthor::User(PortalUserId::from_u128(7)));
    let accepted = Some(PostId::from_u128(500));
    c.bench_function("portal/topic_page", |b| {
        b.iter(|| black_box(posts_for_reader(black_box(&posts), accepted, reader).len()))
    });
}

criterion_group!(benches, topic_page);
criterion_main!(benches);
