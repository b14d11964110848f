//! The printed tables of Diesel's cases: one per backend, the raw time per operation and
//! the orm/raw ratios, as plain text or as Markdown.

use std::time::Duration;

use crate::diesel_cases::CaseLine;
use crate::diesel_model::{ASSOCIATION_USERS, CHILDREN};
use crate::diesel_orm::NO_COMMIT_WAIT;
use crate::report::{print_grid, print_text_grid};
use crate::sampling::Plan;

/// What the Diesel tables compare (printed once, before the first of them).
pub(crate) fn print_header(plan: Plan) {
    println!("Diesel's benchmark cases (diesel_bench), tables dc_users / dc_posts / dc_comments:");
    println!("  trivial select:  N users loaded into a Vec. raw: prepared SELECT id, name, hair_color");
    println!("                   Core: select_model::<User>().all(&engine)   Session: query::<User>().all()");
    println!("  medium complex:  N users (hair black / brown alternating, no posts, as Diesel) LEFT JOIN posts");
    println!("                   WHERE hair_color = 'black', read as (User, Option<Post>). raw: prepared SELECT");
    println!("                   Core: select((model::<User>(), model::<Option<Post>>())).outerjoin::<Post>()");
    println!("                   Session: query::<(User, Post)>().outerjoin_related(User::posts)");
    println!("  insert:          N users in one call. raw: one prepared multi-row INSERT, no explicit transaction");
    println!("                   Core: insert().values_many(&rows)   Session: add_all(clones) + commit()");
    println!(
        "  users → posts → comments: {ASSOCIATION_USERS} users × {CHILDREN} posts × {CHILDREN} comments into \
         Vec<(User, Vec<(Post, Vec<Comment>)>)>."
    );
    println!("                   raw: users, posts WHERE user_id IN (..), comments WHERE post_id IN (..), grouped");
    println!("                   Core: the same three select_model statements on one connection, same grouping");
    println!("                   Session: query::<User>()");
    println!("                              .options(selectinload(User::posts).then(selectinload(Post::comments)))");
    println!("  every Core call on &engine (a pool checkout each, but the association case: one checkout);");
    println!("  every Session operation in a fresh session, closed or committed inside the timed region");
    println!(
        "  SQLite: both sides' databases in memory, stored the same way (the memdb VFS of `sqlite::memory:`, which a"
    );
    println!("          pool needs; its commits cost more than a private `:memory:`'s: see benches/src/sqlite_raw.rs)");
    println!(
        "  PostgreSQL: both sides' connections run `{NO_COMMIT_WAIT}` (a commit's WAL flush latency is disk noise)"
    );
    println!(
        "  one sample = K operations back to back, K calibrated per case so that a raw sample takes about {} ms;",
        plan.target.as_millis()
    );
    println!(
        "  median of {} samples per side after 1 warm-up round, raw / Core / Session interleaved round by round",
        plan.samples
    );
}

/// Microseconds with a precision that suits the magnitude.
pub(crate) fn micros(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 10.0 {
        format!("{us:.2}")
    } else if us < 1000.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.0}")
    }
}

/// `orm / raw`, two decimals.
pub(crate) fn ratio(orm: Duration, raw: Duration) -> String {
    if raw.is_zero() {
        "n/a".to_owned()
    } else {
        format!("{:.2}", orm.as_secs_f64() / raw.as_secs_f64())
    }
}

/// The cells of one table row.
fn cells(line: &CaseLine) -> Vec<String> {
    vec![
        line.case.label().to_owned(),
        line.case.size_label(line.size),
        micros(line.raw),
        ratio(line.core, line.raw),
        ratio(line.session, line.raw),
    ]
}

/// Print one backend's table. The plain-text form adds a last column `K`, the operations
/// per sample; the Markdown form (for the README) leaves it out.
pub(crate) fn print_table(backend: &str, lines: &[CaseLine], markdown: bool) {
    let title = format!("{backend}: Diesel's cases, orm median / raw median per operation");
    let mut headers = vec!["case", "size", "raw per op (µs)", "Core / raw", "Session / raw"];
    let mut rows: Vec<Vec<String>> = lines.iter().map(cells).collect();
    if markdown {
        print_grid(&title, &headers, &rows, 2);
    } else {
        headers.push("K");
        for (row, line) in rows.iter_mut().zip(lines) {
            row.push(line.reps.to_string());
        }
        print_text_grid(&title, &headers, &rows, 2);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn micros_keep_three_significant_digits_or_more() {
        assert_eq!(micros(Duration::from_nanos(1_234)), "1.23");
        assert_eq!(micros(Duration::from_nanos(123_456)), "123.5");
        assert_eq!(micros(Duration::from_micros(12_345)), "12345");
    }

    #[test]
    fn ratios_have_two_decimals() {
        assert_eq!(ratio(Duration::from_micros(15), Duration::from_micros(10)), "1.50");
        assert_eq!(ratio(Duration::from_micros(1), Duration::ZERO), "n/a");
    }
}
