use unsupervised::gan::model::Planes;
use unsupervised::gan::quality::{quality, Evaluator};
use unsupervised::gan::{train, Gan, Kind, Recipe, Spec};
use unsupervised::nn::classify::Images;
use unsupervised::Rng;
#[test]
fn speed() {
    let d = unsupervised::datasets::mnist().unwrap();
    let labels = d.labels.clone().unwrap();
    let mx = d.x.as_slice().iter().cloned().fold(0.0, f64::max);
    let px: Vec<f32> = d.x.as_slice().iter().map(|&v| (v / mx) as f32).collect();
    let all = Images {
        pixels: &px,
        labels: &labels,
        side: 28,
    };
    let (tr, te) = all.split_at(8000);
    let t0 = std::time::Instant::now();
    let mut ev = Evaluator::train(&tr, &te, 3, 0).unwrap();
    println!(
        "evaluator acc {} in {:.1}s",
        ev.test_accuracy,
        t0.elapsed().as_secs_f64()
    );
    let reference = ev.look(te.pixels).unwrap().features;
    let floor = quality(&mut ev, &tr.pixels[..2000 * 784], &reference).unwrap();
    println!("floor {:?}", floor);
    let w: usize = std::env::var("W").map(|v| v.parse().unwrap()).unwrap_or(32);
    let steps: usize = std::env::var("STEPS")
        .map(|v| v.parse().unwrap())
        .unwrap_or(1000);
    let mut spec = Spec::dcgan(Planes {
        channels: 1,
        side: 28,
    });
    spec.generator_width = w;
    spec.critic_width = w;
    let mut gan = Gan::new(spec, &mut Rng::seed_from_u64(0)).unwrap();
    let data: Vec<f32> = tr.pixels.iter().map(|&v| 2.0 * v - 1.0).collect();
    let mut r = Recipe::for_kind(Kind::NonSaturating);
    r.steps = steps;
    r.batch_size = 64;
    r.log_every = 250;
    r.learning_rate = 2e-4;
    r.betas = (0.5, 0.999);
    let rep = train(&mut gan, &data, &[], &r, |step, gan| {
        let x: Vec<f32> = gan
            .generate(2000, 1)
            .unwrap()
            .iter()
            .map(|&v| (v + 1.0) / 2.0)
            .collect();
        let q = quality(&mut ev, &x, &reference).unwrap();
        println!(
            "step {step}: fd {:.2} H {:.3} IS {:.2}",
            q.frechet, q.class_entropy, q.inception_score
        );
        Ok(())
    })
    .unwrap();
    println!(
        "{:.1} s; losses {:?} {:?}",
        rep.seconds, rep.critic_loss, rep.generator_loss
    );
}
