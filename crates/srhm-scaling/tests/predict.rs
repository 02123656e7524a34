use srhm_scaling::{Model, Observable, c0_paper, eq3_lcn, eq4_cnn, eq5_lcn, paper_threshold};

fn close(a: f64, b: f64) -> bool {
    (a / b - 1.0).abs() < 1e-12
}

#[test]
fn eq3_against_hand_computed_values() {
    // L = 2, s = 2, s0 = 1, m = 4, nc = 4: C0 = 2^1, (s0+1)^L = 4, m^L = 16: 2·4·4·16.
    let c0 = c0_paper(2, 2).unwrap();
    assert_eq!(c0, 2.0);
    assert!(close(eq3_lcn(2, 1, 4, 4, c0).unwrap(), 512.0));
    // L = 3, s = 3, s0 = 2, m = 3, nc = 2: C0 = 3^1.5 = 5.196152422706632,
    // (s0+1)^3 = 27, m^3 = 27: 5.196152422706632 · 27 · 2 · 27 ≈ 7575.99.
    let c0 = c0_paper(3, 3).unwrap();
    assert!(close(c0, 5.196_152_422_706_632));
    assert!(close(
        eq3_lcn(3, 2, 3, 2, c0).unwrap(),
        7_575.990_232_306_27
    ));
}

#[test]
fn eq4_against_hand_computed_values() {
    // C1 = 1, (s0+1)^2 = 4, nc = 4, m^L = 16.
    assert!(close(eq4_cnn(2, 1, 4, 4, 1.0).unwrap(), 256.0));
    // C1 = 0.5, (s0+1)^2 = 9, nc = 2, m^3 = 27: independent of L through the sparsity.
    assert!(close(eq4_cnn(3, 2, 3, 2, 0.5).unwrap(), 243.0));
    assert!(close(
        eq4_cnn(5, 2, 3, 2, 0.5).unwrap(),
        0.5 * 9.0 * 2.0 * 243.0
    ));
}

#[test]
fn eq5_is_eq3_in_terms_of_d_and_f() {
    // L = 2, s = 2, s0 = 1, m = 4: d = (2·2)^2 = 16, F = 1/4, ln m/ln s = 2:
    // F^1.5 · d^2.5 = 1/8 · 1024 = 128 = Eq. 3 / nc.
    assert!(close(eq5_lcn(16.0, 0.25, 4, 2).unwrap(), 128.0));
    // L = 2, s = 3, s0 = 2, m = 9: d = 81, F = 1/9: (1/27) · 81^2.5 = 2187 = 3·9·81.
    assert!(close(eq5_lcn(81.0, 1.0 / 9.0, 9, 3).unwrap(), 2187.0));
    for (levels, patch, s0, m) in [(2u32, 2u32, 1u32, 4u32), (3, 2, 3, 2), (4, 3, 1, 5)] {
        let d = (f64::from(patch) * f64::from(s0 + 1)).powi(levels as i32);
        let f = f64::from(s0 + 1).powi(-(levels as i32));
        let eq3 = eq3_lcn(levels, s0, m, 1, c0_paper(patch, levels).unwrap()).unwrap();
        assert!((eq5_lcn(d, f, m, patch).unwrap() / eq3 - 1.0).abs() < 1e-9);
    }
}

#[test]
fn large_predictions_stay_finite() {
    let p = eq3_lcn(10, 3, 100, 100, c0_paper(4, 10).unwrap()).unwrap();
    assert!(p.is_finite() && p > 1e30);
}

#[test]
fn invalid_predictions_name_the_parameter() {
    assert_eq!(c0_paper(0, 2).unwrap_err().param(), "patch");
    assert_eq!(c0_paper(2, 0).unwrap_err().param(), "levels");
    assert_eq!(eq3_lcn(0, 1, 4, 4, 1.0).unwrap_err().param(), "levels");
    assert_eq!(eq3_lcn(2, 1, 0, 4, 1.0).unwrap_err().param(), "synonyms");
    assert_eq!(eq3_lcn(2, 1, 4, 0, 1.0).unwrap_err().param(), "classes");
    assert_eq!(eq3_lcn(2, 1, 4, 4, 0.0).unwrap_err().param(), "c0");
    assert_eq!(eq4_cnn(2, 1, 4, 4, f64::NAN).unwrap_err().param(), "c1");
    assert_eq!(eq5_lcn(0.0, 0.5, 4, 2).unwrap_err().param(), "d");
    assert_eq!(eq5_lcn(16.0, 1.5, 4, 2).unwrap_err().param(), "f");
    assert_eq!(eq5_lcn(16.0, 0.0, 4, 2).unwrap_err().param(), "f");
    assert_eq!(eq5_lcn(16.0, 0.5, 0, 2).unwrap_err().param(), "synonyms");
    assert_eq!(eq5_lcn(16.0, 0.5, 4, 1).unwrap_err().param(), "patch");
}

#[test]
fn paper_thresholds() {
    use Model::*;
    use Observable::*;
    for model in [Lcn, Cnn, Fcn] {
        for (l, s) in [(2, 2), (3, 3)] {
            assert_eq!(paper_threshold(Error, model, l, s).unwrap(), 0.10);
        }
    }
    assert_eq!(paper_threshold(S2, Lcn, 2, 2).unwrap(), 0.30);
    assert_eq!(paper_threshold(S2, Fcn, 3, 2).unwrap(), 0.30);
    assert_eq!(paper_threshold(S2, Lcn, 2, 3).unwrap(), 0.50);
    assert_eq!(paper_threshold(S2, Cnn, 2, 2).unwrap(), 0.40);
    assert_eq!(paper_threshold(S2, Cnn, 2, 3).unwrap(), 0.50);
    assert_eq!(paper_threshold(S2, Cnn, 3, 2).unwrap(), 0.20);
    assert_eq!(paper_threshold(S2, Cnn, 3, 3).unwrap(), 0.20);
    assert_eq!(paper_threshold(D2, Lcn, 2, 2).unwrap(), 0.10);
    assert_eq!(paper_threshold(D2, Fcn, 3, 3).unwrap(), 0.10);
    assert_eq!(paper_threshold(D2, Cnn, 2, 2).unwrap(), 0.20);

    // Cases the paper did not run, and invalid arguments.
    assert_eq!(paper_threshold(S2, Lcn, 2, 4).unwrap_err().param(), "patch");
    assert_eq!(paper_threshold(S2, Cnn, 2, 4).unwrap_err().param(), "patch");
    assert_eq!(
        paper_threshold(S2, Cnn, 4, 2).unwrap_err().param(),
        "levels"
    );
    assert_eq!(
        paper_threshold(Error, Lcn, 0, 2).unwrap_err().param(),
        "levels"
    );
    assert_eq!(
        paper_threshold(Error, Lcn, 2, 1).unwrap_err().param(),
        "patch"
    );
}

#[test]
fn names_parse_case_insensitively_and_serialise_lowercase() {
    assert_eq!("LCN".parse::<Model>().unwrap(), Model::Lcn);
    assert_eq!("cnn".parse::<Model>().unwrap(), Model::Cnn);
    assert_eq!("Fcn".parse::<Model>().unwrap(), Model::Fcn);
    assert_eq!("mlp".parse::<Model>().unwrap_err().param(), "model");
    assert_eq!("S2".parse::<Observable>().unwrap(), Observable::S2);
    assert_eq!("d2".parse::<Observable>().unwrap(), Observable::D2);
    assert_eq!("ERROR".parse::<Observable>().unwrap(), Observable::Error);
    assert_eq!(
        "S3".parse::<Observable>().unwrap_err().param(),
        "observable"
    );

    assert_eq!(serde_json::to_string(&Model::Lcn).unwrap(), "\"lcn\"");
    assert_eq!(serde_json::to_string(&Observable::S2).unwrap(), "\"s2\"");
    assert_eq!(
        serde_json::from_str::<Observable>("\"D2\"").unwrap(),
        Observable::D2
    );
    assert_eq!(
        serde_json::from_str::<Model>("\"fcn\"").unwrap(),
        Model::Fcn
    );
    for o in [Observable::Error, Observable::S2, Observable::D2] {
        assert_eq!(o.to_string().parse::<Observable>().unwrap(), o);
    }
    for m in [Model::Lcn, Model::Cnn, Model::Fcn] {
        assert_eq!(m.to_string().parse::<Model>().unwrap(), m);
    }
}
