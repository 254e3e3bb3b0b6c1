use super::*;

fn raw(text: &str, opts: &TableOptions) -> RawTable {
    read_from(text.as_bytes(), "t.csv", opts).unwrap()
}

/// A small passenger list: an ID, a name, a category with gaps, a number
/// with gaps, a yes/no column, a constant, and the target.
fn passengers() -> String {
    let mut s = String::from("id,name,port,age,paid,ship,survived\n");
    for i in 0..40 {
        let port = ["S", "C", "Q", "NA"][i % 4];
        let age = if i % 5 == 0 { String::new() } else { (20 + i).to_string() };
        let paid = if i % 3 == 0 { "yes" } else { "no" };
        let survived = (i % 4 == 1 || i % 5 == 0) as u8;
        s.push_str(&format!("{},Passenger {i},{port},{age},{paid},Titan,{survived}\n", i + 1));
    }
    s
}

#[test]
fn infers_every_column_and_encodes_the_training_rows() {
    let opts = TableOptions::default();
    let t = raw(&passengers(), &opts);
    assert_eq!(t.rows(), 40);
    let p = prepare(&t, "survived", None, 0.25, &mut Rng::seed(1), &opts).unwrap();
    let kinds: Vec<(&str, ColumnKind)> = p.report.columns.iter().map(|c| (c.name.as_str(), c.kind)).collect();
    assert_eq!(
        kinds,
        [
            ("id", ColumnKind::Identifier),
            ("name", ColumnKind::Identifier),
            ("port", ColumnKind::Category),
            ("age", ColumnKind::Number),
            ("paid", ColumnKind::Boolean),
            ("ship", ColumnKind::Constant),
        ]
    );
    assert_eq!(p.targets.task, Task::Classification);
    assert_eq!(p.targets.class_names, ["0", "1"]);
    assert_eq!((p.train.len(), p.test.len()), (30, 10));
    let names = p.encoder.feature_names();
    // port: S, C, Q by frequency in the training rows (ties by text), other, missing
    assert_eq!(names.len(), p.encoder.width());
    assert!(names.contains(&"age (missing)".to_string()), "{names:?}");
    assert!(names.contains(&"port (missing)".to_string()), "{names:?}");
    assert_eq!(p.train.x().shape(), &[30, names.len()]);
    // the number column is standardised on the training rows: mean 0, std 1
    let age = names.iter().position(|n| n == "age").unwrap();
    let x = p.train.x().to_vec();
    let w = names.len();
    let col: Vec<f32> = x.chunks(w).map(|r| r[age]).collect();
    let mean = col.iter().sum::<f32>() / 30.0;
    let var = col.iter().map(|v| (v - mean) * (v - mean)).sum::<f32>() / 30.0;
    assert!(mean.abs() < 1e-5 && (var - 1.0).abs() < 1e-4, "{mean} {var}");
    // every one-hot group sums to 1 on every row
    let port: Vec<usize> = names.iter().enumerate().filter(|(_, n)| n.starts_with("port")).map(|(i, _)| i).collect();
    assert_eq!(port.len(), 5);
    assert!(x.chunks(w).all(|r| port.iter().map(|&i| r[i]).sum::<f32>() == 1.0));
    let shown = p.report.to_string();
    assert!(shown.contains("id") && shown.contains("dropped: whole numbers, one per row"), "{shown}");
}

#[test]
fn rows_without_a_target_are_left_out_and_said() {
    let opts = TableOptions::default();
    let t = raw("a,y\n1,x\n2,\n3,y\n4,x\n5,?\n6,y\n", &opts);
    let p = prepare(&t, "y", None, 0.0, &mut Rng::seed(0), &opts).unwrap();
    assert_eq!((p.report.rows_without_target, p.train.len()), (2, 4));
    assert!(p.report.to_string().contains("2 rows without a target left out"));
}

#[test]
fn the_config_wins_and_names_real_columns() {
    let mut opts = TableOptions::default();
    opts.columns.insert("k".into(), ColumnKind::Category);
    opts.drop.push("b".into());
    let t = raw("k,b,y\n1,5,0.5\n2,6,1.5\n3,7,2.5\n", &opts);
    let p = prepare(&t, "y", None, 0.0, &mut Rng::seed(0), &opts).unwrap();
    assert_eq!(p.targets.task, Task::Regression);
    assert_eq!(p.encoder.feature_names(), ["k=1", "k=2", "k=3", "k (other)"]);
    opts.drop.push("nope".into());
    let e = read_from("k,b,y\n1,5,0.5\n".as_bytes(), "t.csv", &opts).unwrap_err().to_string();
    assert!(e.contains("\"nope\"") && e.contains("the header has"), "{e}");
}

#[test]
fn predict_files_have_columns_in_any_order_and_unseen_levels() {
    let opts = TableOptions::default();
    let t = raw(&passengers(), &opts);
    let p = prepare(&t, "survived", None, 0.0, &mut Rng::seed(1), &opts).unwrap();
    let dir = crate::data::testutil::temp_dir("table-predict");
    let file = dir.join("new.csv");
    // other order, an extra column, an unseen port, a missing age
    std::fs::write(&file, "extra,survived,paid,age,port,ship,name,id\n9,1,YES,,Z,Titan,X,1\n9,0,no,30,S,Titan,Y,2\n")
        .unwrap();
    let classes = p.targets.class_names.clone();
    let mut rows = p.encoder.open(&file, Some(("survived", &classes))).unwrap();
    let (x, y) = rows.next_batch(100).unwrap().unwrap();
    assert_eq!(x.shape(), &[2, p.encoder.width()]);
    assert_eq!(y.unwrap().to_vec(), [1.0, 0.0]);
    assert!(rows.next_batch(100).unwrap().is_none());
    let names = p.encoder.feature_names();
    let row0 = &x.to_vec()[..names.len()];
    let at = |n: &str| row0[names.iter().position(|m| m == n).unwrap()];
    assert_eq!((at("port (other)"), at("age (missing)")), (1.0, 1.0));
    // the same row encoded from the training table gives the same features
    let back = p.encoder.encode(&t, &[1]).unwrap().to_vec();
    std::fs::write(&file, "id,name,port,age,paid,ship\n2,Passenger 1,C,21,no,Titan\n").unwrap();
    let (x2, _) = p.encoder.open(&file, None).unwrap().next_batch(10).unwrap().unwrap();
    assert_eq!(x2.to_vec(), back);
    // a missing column names itself
    std::fs::write(&file, "id,name,age,paid\n1,a,3,no\n").unwrap();
    let e = p.encoder.open(&file, None).err().unwrap().to_string();
    assert!(e.contains("has no column \"port\"") && e.contains("line 1"), "{e}");
    // a bad boolean names its cell
    std::fs::write(&file, "port,age,paid\nS,3,maybe\n").unwrap();
    let e = p.encoder.open(&file, None).unwrap().next_batch(5).unwrap_err().to_string();
    assert!(e.contains("line 2, column 3 (\"paid\")") && e.contains("maybe"), "{e}");
}

#[test]
fn many_levels_keep_the_most_frequent_and_a_frequency() {
    let mut text = String::from("city,y\n");
    for i in 0..400 {
        // city k appears 40 - k times: 0 is the most frequent
        let k = (0..40).find(|&k| (i * 7 + k) % (40 - k) == 0).unwrap_or(39);
        text.push_str(&format!("c{k},{}\n", i % 2));
    }
    let opts = TableOptions { max_one_hot: 4, ..Default::default() };
    let t = raw(&text, &opts);
    let p = prepare(&t, "y", None, 0.0, &mut Rng::seed(0), &opts).unwrap();
    let Encoding::OneHot { levels, frequencies, .. } = &p.encoder.columns[0].encoding else { panic!() };
    assert_eq!(levels.len(), 4);
    let total: f32 = frequencies.values().sum();
    assert!((total - 1.0).abs() < 1e-5, "{total}");
    let top = frequencies.iter().max_by(|a, b| a.1.total_cmp(b.1)).unwrap().0;
    assert_eq!(&levels[0], top);
    assert_eq!(p.encoder.width(), 6);
}

#[test]
fn the_encoder_round_trips_through_json() {
    let opts = TableOptions::default();
    let t = raw(&passengers(), &opts);
    let p = prepare(&t, "survived", None, 0.2, &mut Rng::seed(3), &opts).unwrap();
    let json = serde_json::to_string(&p.encoder).unwrap();
    assert!(json.contains("\"type\":\"one_hot\"") && json.contains("\"kind\":\"identifier\""), "{json}");
    let back: TableEncoder = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p.encoder);
}

#[test]
fn bad_files_name_the_place() {
    let opts = TableOptions::default();
    let e = read_from("a,b\n1,2\n3\n".as_bytes(), "t.csv", &opts).unwrap_err().to_string();
    assert!(e.contains("line 3") && e.contains("1 fields, but the header has 2"), "{e}");
    let e = read_from("a,a\n1,2\n".as_bytes(), "t.csv", &opts).unwrap_err().to_string();
    assert!(e.contains("\"a\""), "{e}");
    let e = read_from("".as_bytes(), "t.csv", &opts).unwrap_err().to_string();
    assert!(e.contains("no rows"), "{e}");
    let t = raw("a,y\n1,2.5\n2,x\n3,1.5\n", &opts);
    let e = prepare(&t, "y", Some(Task::Regression), 0.0, &mut Rng::seed(0), &opts).unwrap_err().to_string();
    assert!(e.contains("line 3") && e.contains("\"x\" is not a number"), "{e}");
    let t = raw("a,y\nx,1\nx,2\n", &opts);
    let e = prepare(&t, "y", None, 0.0, &mut Rng::seed(0), &opts).unwrap_err().to_string();
    assert!(e.contains("no column is left") && e.contains("a (a single value)"), "{e}");
}
