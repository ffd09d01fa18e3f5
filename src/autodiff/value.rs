//! Reverse mode on scalars, small enough to read in one sitting (after Karpathy's
//! micrograd). Every [`Value`] remembers the values it was computed from and its local
//! derivative with respect to each; [`Value::backward`] applies the chain rule from the end.

use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;

// ANCHOR: value
/// A number in a computation graph, with the gradient of the final output with respect to
/// it (filled in by [`Value::backward`]). Clones share the node.
#[derive(Clone)]
pub struct Value(Rc<RefCell<Node>>);

struct Node {
    data: f64,
    grad: f64,
    /// The values this one was computed from, each with `∂self/∂child`.
    parents: Vec<(Value, f64)>,
}

impl Value {
    /// A leaf: an input or a parameter.
    pub fn new(data: f64) -> Value {
        Value::from_op(data, Vec::new())
    }
    fn from_op(data: f64, parents: Vec<(Value, f64)>) -> Value {
        Value(Rc::new(RefCell::new(Node {
            data,
            grad: 0.0,
            parents,
        })))
    }
    pub fn data(&self) -> f64 {
        self.0.borrow().data
    }
    /// `∂output/∂self` after `output.backward()`.
    pub fn grad(&self) -> f64 {
        self.0.borrow().grad
    }
}
// ANCHOR_END: value

// ANCHOR: value_ops
// Each op computes its result and, beside it, its local derivative for each input.
impl Value {
    pub fn add(&self, other: &Value) -> Value {
        // ∂(a + b)/∂a = 1, ∂(a + b)/∂b = 1
        Value::from_op(
            self.data() + other.data(),
            vec![(self.clone(), 1.0), (other.clone(), 1.0)],
        )
    }
    pub fn mul(&self, other: &Value) -> Value {
        // ∂(a b)/∂a = b, ∂(a b)/∂b = a
        let (a, b) = (self.data(), other.data());
        Value::from_op(a * b, vec![(self.clone(), b), (other.clone(), a)])
    }
    pub fn powf(&self, p: f64) -> Value {
        // ∂aᵖ/∂a = p aᵖ⁻¹
        let a = self.data();
        Value::from_op(a.powf(p), vec![(self.clone(), p * a.powf(p - 1.0))])
    }
    pub fn neg(&self) -> Value {
        Value::from_op(-self.data(), vec![(self.clone(), -1.0)])
    }
    pub fn sub(&self, other: &Value) -> Value {
        self.add(&other.neg())
    }
    pub fn div(&self, other: &Value) -> Value {
        self.mul(&other.powf(-1.0))
    }
    pub fn exp(&self) -> Value {
        // ∂eᵃ/∂a = eᵃ
        let e = self.data().exp();
        Value::from_op(e, vec![(self.clone(), e)])
    }
    pub fn ln(&self) -> Value {
        // ∂ln a/∂a = 1/a
        let a = self.data();
        Value::from_op(a.ln(), vec![(self.clone(), 1.0 / a)])
    }
    pub fn tanh(&self) -> Value {
        // ∂tanh a/∂a = 1 - tanh² a
        let t = self.data().tanh();
        Value::from_op(t, vec![(self.clone(), 1.0 - t * t)])
    }
    pub fn relu(&self) -> Value {
        let a = self.data();
        Value::from_op(
            a.max(0.0),
            vec![(self.clone(), if a > 0.0 { 1.0 } else { 0.0 })],
        )
    }
}
// ANCHOR_END: value_ops

// ANCHOR: value_backward
impl Value {
    /// Fills in `∂self/∂v` for every value `v` that `self` depends on.
    pub fn backward(&self) {
        // 1. Topological order: every value after all the values it was computed from.
        let mut order = Vec::new();
        let mut seen = HashSet::new();
        fn visit(v: &Value, seen: &mut HashSet<*const RefCell<Node>>, order: &mut Vec<Value>) {
            if seen.insert(Rc::as_ptr(&v.0)) {
                for (p, _) in &v.0.borrow().parents {
                    visit(p, seen, order);
                }
                order.push(v.clone());
            }
        }
        visit(self, &mut seen, &mut order);
        // 2. Chain rule from the output back: a value's gradient is complete once every
        //    value computed from it has passed its share back, which the reverse order
        //    guarantees. `+=`, because a value used twice receives two shares.
        for v in &order {
            v.0.borrow_mut().grad = 0.0;
        }
        self.0.borrow_mut().grad = 1.0;
        for v in order.iter().rev() {
            let node = v.0.borrow();
            for (p, local) in &node.parents {
                p.0.borrow_mut().grad += local * node.grad;
            }
        }
    }
}
// ANCHOR_END: value_backward
