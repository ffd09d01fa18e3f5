//! The tape: a Wengert list of nodes, each a value, the nodes it was computed from and the
//! vector–Jacobian product that sends its gradient back to them.

use super::tensor::Tensor;
use crate::error::{Error, Result};
use crate::linalg::{Exec, Scalar};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A handle to a node of a [`Graph`]: the result of an op, a constant, a variable or a
/// parameter. Cheap to copy; meaningful only in the graph that made it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Var(pub(crate) usize);

/// What a vector–Jacobian product receives: the gradient of the loss with respect to the
/// node's output, the values of its inputs and output, and which inputs need a gradient
/// (so a VJP never computes one nobody will use: the gradient of the input batch of a
/// network's first layer would cost as much as the layer itself).
pub struct Vjp<'a, T> {
    pub grad: &'a Tensor<T>,
    pub inputs: Vec<&'a Tensor<T>>,
    pub output: &'a Tensor<T>,
    needs: Vec<bool>,
}

impl<T> Vjp<'_, T> {
    /// Whether input `i` needs its gradient.
    pub fn needs(&self, i: usize) -> bool {
        self.needs[i]
    }
}

/// A vector–Jacobian product: one gradient per input (`None` where not needed).
pub type Backward<T> = Box<dyn Fn(&Vjp<'_, T>) -> Vec<Option<Tensor<T>>>>;

struct Node<T> {
    value: Arc<Tensor<T>>,
    inputs: Vec<usize>,
    backward: Option<Backward<T>>,
    requires_grad: bool,
    leaf: Leaf,
}

/// Where a node came from, which decides where its gradient goes.
#[derive(Clone, Copy, PartialEq)]
enum Leaf {
    /// The result of an op: its gradient flows on to its inputs.
    Op,
    /// Data: no gradient.
    Constant,
    /// An input we differentiate with respect to (an image under optimisation).
    Variable,
    /// A network's parameter.
    Param(ParamId),
}

/// The identity of a [`Parameter`], unique in the process, so gradients from several graphs
/// can be matched to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ParamId(u64);

impl ParamId {
    fn fresh() -> ParamId {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        ParamId(NEXT.fetch_add(1, Ordering::Relaxed))
    }
}

/// A named, trainable tensor. Graphs share its value (no copy per step); updating it after
/// the graph is gone copies nothing either.
#[derive(Debug)]
pub struct Parameter<T> {
    id: ParamId,
    pub name: String,
    value: Arc<Tensor<T>>,
    /// A frozen parameter enters graphs as a constant: it gets no gradient (a GAN's
    /// discriminator during the generator's step).
    frozen: bool,
    /// Kept with the model but never trained (batch norm's running statistics).
    statistic: bool,
}

impl<T: Scalar> Parameter<T> {
    pub fn new(name: impl Into<String>, value: Tensor<T>) -> Self {
        Parameter {
            id: ParamId::fresh(),
            name: name.into(),
            value: Arc::new(value),
            frozen: false,
            statistic: false,
        }
    }
    /// A tensor saved with the model but never trained: always frozen.
    pub fn statistic(name: impl Into<String>, value: Tensor<T>) -> Self {
        Parameter {
            frozen: true,
            statistic: true,
            ..Parameter::new(name, value)
        }
    }
    /// Freezes or unfreezes a trainable parameter; statistics stay frozen.
    pub fn set_frozen(&mut self, frozen: bool) {
        self.frozen = frozen || self.statistic;
    }
    pub fn is_frozen(&self) -> bool {
        self.frozen
    }
    pub fn is_statistic(&self) -> bool {
        self.statistic
    }
    pub fn id(&self) -> ParamId {
        self.id
    }
    pub fn value(&self) -> &Tensor<T> {
        &self.value
    }
    /// The value for updating; copies it only if a live graph still holds it.
    pub fn value_mut(&mut self) -> &mut Tensor<T> {
        Arc::make_mut(&mut self.value)
    }
}

impl<T: Scalar> Clone for Parameter<T> {
    /// A copy is a new parameter (a fresh id), so its gradients are its own.
    fn clone(&self) -> Self {
        Parameter {
            id: ParamId::fresh(),
            name: self.name.clone(),
            value: self.value.clone(),
            frozen: self.frozen,
            statistic: self.statistic,
        }
    }
}

/// The gradients one backward pass produced: per parameter and per variable.
#[derive(Clone, Debug, Default)]
pub struct Gradients<T> {
    params: BTreeMap<ParamId, Tensor<T>>,
    vars: BTreeMap<usize, Tensor<T>>,
}

impl<T: Scalar> Gradients<T> {
    /// The gradient of a parameter (`None` if it did not take part or is frozen).
    pub fn param(&self, p: &Parameter<T>) -> Option<&Tensor<T>> {
        self.params.get(&p.id)
    }
    /// The gradient of a [`Graph::variable`].
    pub fn wrt(&self, v: Var) -> Option<&Tensor<T>> {
        self.vars.get(&v.0)
    }
    /// Adds the parameter gradients of another pass (of another graph): the gradient of a
    /// sum of losses is the sum of their gradients.
    pub fn accumulate(&mut self, other: Gradients<T>) {
        for (id, g) in other.params {
            match self.params.get_mut(&id) {
                Some(mine) => mine.add_assign(&g),
                None => {
                    self.params.insert(id, g);
                }
            }
        }
    }
    /// The parameter gradients, by id.
    pub fn params(&self) -> impl Iterator<Item = (ParamId, &Tensor<T>)> {
        self.params.iter().map(|(&id, g)| (id, g))
    }
    /// Multiplies every parameter gradient by `s` (gradient clipping).
    pub fn scale(&mut self, s: T) {
        for g in self.params.values_mut() {
            for v in g.data_mut() {
                *v *= s;
            }
        }
    }
}

/// A tape of operations on tensors, recorded as they run (define by run).
pub struct Graph<T> {
    nodes: Vec<Node<T>>,
    exec: Exec,
}

impl<T: Scalar> Default for Graph<T> {
    fn default() -> Self {
        Graph::new()
    }
}

impl<T: Scalar> Graph<T> {
    /// An empty tape that runs its products on all threads ([`Exec::default`]).
    pub fn new() -> Self {
        Graph::with_exec(Exec::default())
    }
    pub fn with_exec(exec: Exec) -> Self {
        keep_freed_memory();
        Graph {
            nodes: Vec::new(),
            exec,
        }
    }
    pub fn exec(&self) -> Exec {
        self.exec
    }
    /// The number of nodes recorded so far.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    fn leaf(&mut self, value: Arc<Tensor<T>>, leaf: Leaf) -> Var {
        self.nodes.push(Node {
            value,
            inputs: Vec::new(),
            backward: None,
            requires_grad: matches!(leaf, Leaf::Variable | Leaf::Param(_)),
            leaf,
        });
        Var(self.nodes.len() - 1)
    }
    /// Data that needs no gradient.
    pub fn constant(&mut self, value: Tensor<T>) -> Var {
        self.leaf(Arc::new(value), Leaf::Constant)
    }
    /// An input to differentiate with respect to; read its gradient with
    /// [`Gradients::wrt`].
    pub fn variable(&mut self, value: Tensor<T>) -> Var {
        self.leaf(Arc::new(value), Leaf::Variable)
    }
    /// A parameter: shared, not copied. A frozen one enters as a constant.
    pub fn param(&mut self, p: &Parameter<T>) -> Var {
        let leaf = if p.frozen {
            Leaf::Constant
        } else {
            Leaf::Param(p.id)
        };
        self.leaf(p.value.clone(), leaf)
    }
    /// The value a node holds.
    pub fn value(&self, v: Var) -> &Tensor<T> {
        &self.nodes[v.0].value
    }
    pub fn shape(&self, v: Var) -> &[usize] {
        self.nodes[v.0].value.shape()
    }
    /// Whether any gradient will flow into `v`.
    pub fn requires_grad(&self, v: Var) -> bool {
        self.nodes[v.0].requires_grad
    }

    // ANCHOR: push
    /// Records an op: its value, its inputs and its vector–Jacobian product. The VJP is
    /// dropped at once when no input needs a gradient (inference, frozen networks).
    pub fn push(
        &mut self,
        value: Tensor<T>,
        inputs: &[Var],
        backward: impl Fn(&Vjp<'_, T>) -> Vec<Option<Tensor<T>>> + 'static,
    ) -> Var {
        let requires_grad = inputs.iter().any(|v| self.nodes[v.0].requires_grad);
        self.nodes.push(Node {
            value: Arc::new(value),
            inputs: inputs.iter().map(|v| v.0).collect(),
            backward: requires_grad.then(|| Box::new(backward) as Backward<T>),
            requires_grad,
            leaf: Leaf::Op,
        });
        Var(self.nodes.len() - 1)
    }
    // ANCHOR_END: push

    /// Back-propagates from the scalar `loss` and frees the tape.
    pub fn backward(self, loss: Var) -> Result<Gradients<T>> {
        self.backward_retained(loss)
    }

    // ANCHOR: backward
    /// Back-propagates from the scalar `loss`, keeping the tape (to differentiate another
    /// loss of the same forward pass).
    pub fn backward_retained(&self, loss: Var) -> Result<Gradients<T>> {
        let loss_value = self.value(loss);
        if loss_value.len() != 1 {
            return Err(Error::TensorShape {
                op: "backward (the loss must have one entry)",
                left: loss_value.shape().to_vec(),
                right: vec![],
            });
        }
        let mut out = Gradients::default();
        // The tape is already in topological order: every node comes after its inputs. So
        // one walk from the loss back to the start visits each node after all its users.
        let mut grads: Vec<Option<Tensor<T>>> = (0..=loss.0).map(|_| None).collect();
        grads[loss.0] = Some(Tensor::full(loss_value.shape(), T::ONE));
        for i in (0..=loss.0).rev() {
            let Some(grad) = grads[i].take() else {
                continue;
            };
            let node = &self.nodes[i];
            match node.leaf {
                // A parameter entered twice (a layer applied twice) sums both gradients.
                Leaf::Param(id) => match out.params.get_mut(&id) {
                    Some(acc) => acc.add_assign(&grad),
                    None => {
                        out.params.insert(id, grad);
                    }
                },
                Leaf::Variable => {
                    out.vars.insert(i, grad);
                }
                Leaf::Constant => {}
                Leaf::Op => {
                    let Some(backward) = &node.backward else {
                        continue;
                    };
                    let vjp = Vjp {
                        grad: &grad,
                        inputs: node.inputs.iter().map(|&j| &*self.nodes[j].value).collect(),
                        output: &node.value,
                        needs: node
                            .inputs
                            .iter()
                            .map(|&j| self.nodes[j].requires_grad)
                            .collect(),
                    };
                    // Chain rule: each input's gradient gains this node's VJP (`+=`, so an
                    // input used twice simply receives two contributions).
                    for (&j, g) in node.inputs.iter().zip(backward(&vjp)) {
                        let Some(g) = g else { continue };
                        debug_assert_eq!(g.shape(), self.nodes[j].value.shape());
                        match &mut grads[j] {
                            Some(acc) => acc.add_assign(&g),
                            slot => *slot = Some(g),
                        }
                    }
                }
            }
        }
        Ok(out)
    }
    // ANCHOR_END: backward
}

/// Asks glibc's allocator to keep freed memory for reuse.
///
/// NOTE: a training step allocates and frees tens of megabytes of tensors. By default glibc
/// hands large freed blocks back to the kernel, so the next step's allocations fault in
/// every 4 KB page again: 30% of a CNN epoch here (4.4 s against 3.1 s with the thresholds
/// below). Raising the mmap threshold to its maximum (32 MB) and the trim threshold to
/// 512 MB keeps the blocks in the heap. It changes only when memory returns to the kernel,
/// once per process; other C libraries are left alone.
fn keep_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        extern "C" {
            fn mallopt(param: i32, value: i32) -> i32;
        }
        const M_TRIM_THRESHOLD: i32 = -1;
        const M_MMAP_THRESHOLD: i32 = -3;
        // SAFETY: mallopt only sets two allocator parameters; it is called before any
        // tensor of this graph is allocated and takes effect for later allocations.
        ONCE.call_once(|| unsafe {
            mallopt(M_MMAP_THRESHOLD, 32 << 20);
            mallopt(M_TRIM_THRESHOLD, 512 << 20);
        });
    }
}
