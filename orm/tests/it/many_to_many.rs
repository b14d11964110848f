//! Many-to-many through an association model: membership rows written, deleted, loaded.

use orm::prelude::*;

use crate::common::{each_db, Db};
use crate::models::{Course, Enrollment, Student};

fn setup(db: &Db) {
    db.engine.create_all(&[Student::table(), Course::table(), Enrollment::table()]).unwrap();
}

fn student(name: &str) -> Student {
    Student { id: 0, name: name.into(), courses: ManyToMany::new() }
}

fn course(title: &str) -> Course {
    Course { id: 0, title: title.into(), students: ManyToMany::new() }
}

fn pairs(db: &Db) -> Vec<(i64, i64)> {
    select((Enrollment::student_id, Enrollment::course_id))
        .order_by(Enrollment::student_id)
        .order_by(Enrollment::course_id)
        .all(&db.engine)
        .unwrap()
}

#[test]
fn membership_rows_follow_the_collections() {
    each_db("m_rows", |db| {
        setup(db);
        let mut s = db.engine.session();
        let math = s.add(course("math")).unwrap();
        let mut ann = student("ann");
        ann.courses.push(&math).unwrap();
        let art = ann.courses.push(course("art")).unwrap(); // new: inserted too
        let ann = s.add(ann).unwrap();
        let bob = s.add(student("bob")).unwrap();
        // The same pair from the other side is one row.
        math.write().students.push(&ann).unwrap();
        s.commit().unwrap();
        let (a, b, m, r) = (ann.read().id, bob.read().id, math.read().id, art.read().id);
        assert_eq!(pairs(db), vec![(a, m), (a, r)]);

        let mut s = db.engine.session();
        let students =
            s.query::<Student>().options(selectinload(Student::courses)).order_by(Student::id).all().unwrap();
        let titles: Vec<String> =
            students[0].read().courses.get().unwrap().iter().map(|c| c.read().title.clone()).collect();
        assert_eq!(titles.len(), 2);
        assert!(students[1].read().courses.get().unwrap().is_empty());
        let (ann, bob) = (students[0].clone(), students[1].clone());
        let fresh = s.get::<Course>(r).unwrap().unwrap();
        assert!(matches!(fresh.write().students.push(&ann), Err(orm::Error::NotLoaded { .. })));
        let math = s.get::<Course>(m).unwrap().unwrap();
        bob.write().courses.push(&math).unwrap();
        ann.write().courses.remove(&math).unwrap();
        s.commit().unwrap();
        assert_eq!(pairs(db), vec![(a, r), (b, m)]);

        // Deleting a student deletes its rows first.
        s.delete(&bob).unwrap();
        s.commit().unwrap();
        assert_eq!(pairs(db), vec![(a, r)]);
        let _ = (b, Enrollment::table());
    });
}

#[test]
fn loading_from_both_sides() {
    each_db("m_load", |db| {
        setup(db);
        let mut s = db.engine.session();
        let courses: Vec<Obj<Course>> = (0..3).map(|i| s.add(course(&format!("c{i}"))).unwrap()).collect();
        for i in 0..4 {
            let mut st = student(&format!("s{i}"));
            for c in courses.iter().take(i % 3 + 1) {
                st.courses.push(c).unwrap();
            }
            s.add(st).unwrap();
        }
        s.commit().unwrap();
        db.log.clear();
        let mut s = db.engine.session();
        let cs = s.query::<Course>().options(selectinload(Course::students)).order_by(Course::id).all().unwrap();
        assert_eq!(db.log.statements().len(), 2);
        let counts: Vec<usize> = cs.iter().map(|c| c.read().students.get().unwrap().len()).collect();
        assert_eq!(counts, [4, 2, 1]);
    });
}
