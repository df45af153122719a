using AlaeEngine.Ops;
using AlaeEngine.Tensors;

namespace AlaeEngine.Autograd;

/// <summary>Reverse-mode differentiation over the tape of recorded ops.</summary>
public static class Autograd
{
    /// <summary>
    /// Gradients of Σᵢ ⟨gradOutputs[i], outputs[i]⟩ with respect to each input (gradOutputs default to ones).
    /// With <paramref name="createGraph"/> the backward pass is itself recorded, so its results can be differentiated
    /// again (the R1 penalty). Throws when an input does not influence the outputs, unless <paramref name="allowUnused"/>,
    /// which returns zeros for it.
    /// </summary>
    public static Tensor[] Grad(Tensor[] outputs, Tensor[] inputs, Tensor[]? gradOutputs = null, bool createGraph = false, bool allowUnused = false)
    {
        for (int i = 0; i < outputs.Length; i++)
            if (!outputs[i].TracksGrad)
                throw new InvalidOperationException($"Grad: output {i} {outputs[i].Shape} is not connected to the tape (it was computed from tensors that do not require grad, or in no-grad mode)");
        if (gradOutputs != null && gradOutputs.Length != outputs.Length)
            throw new ArgumentException($"Grad: {gradOutputs.Length} output gradients for {outputs.Length} outputs");

        var targets = new HashSet<Tensor>(inputs, ReferenceEqualityComparer.Instance);
        var order = TopologicalOrder(outputs);
        // a node is live when some target is reachable from one of its inputs
        var live = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        foreach (var node in order)
            if (node.Inputs.Any(t => targets.Contains(t) || (t.GradFn != null && live.Contains(t.GradFn))))
                live.Add(node);

        var grads = new GradientTable(createGraph);
        var reached = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < outputs.Length; i++)
        {
            var seed = gradOutputs?[i] ?? grads.Created(Tensor.Full(outputs[i].Shape, 1.0, outputs[i].DType, outputs[i].Device));
            if (seed.Shape != outputs[i].Shape)
                throw new ArgumentException($"Grad: output gradient {seed.Shape} does not match output {outputs[i].Shape}");
            grads.Accumulate(outputs[i], seed);
            if (targets.Contains(outputs[i])) reached.Add(outputs[i]);
        }

        for (int n = order.Count - 1; n >= 0; n--)
        {
            var node = order[n];
            if (!live.Contains(node)) continue;
            var gOut = node.Outputs.Select(grads.Get).ToArray();
            if (gOut.All(g => g == null)) continue;
            var needs = node.Inputs.Select(t => targets.Contains(t) || (t.GradFn != null && live.Contains(t.GradFn))).ToArray();
            if (createGraph && !node.SupportsSecondOrder)
                throw new NotSupportedException($"Grad: a second-order gradient (createGraph) was requested through {node.Describe()}, whose backward is not differentiable");
            var gIn = createGraph ? GradMode.WithGrad(true, () => node.Backward(gOut, needs)) : grads.RunFreeing(node, gOut, needs);
            for (int j = 0; j < node.Inputs.Length; j++)
            {
                if (!needs[j]) continue;
                var input = node.Inputs[j];
                reached.Add(input);
                var g = gIn[j];
                if (g == null) continue;
                if (g.Shape != input.Shape)
                    throw new InvalidOperationException($"Grad: the backward of {node.Describe()} returned a gradient of shape {g.Shape} for input {j} of shape {input.Shape}");
                grads.Accumulate(input, g);
            }
            // every consumer of this node's outputs ran before it: their gradients are final and, unless asked for, done
            foreach (var o in node.Outputs)
                if (!targets.Contains(o)) grads.Release(o);
        }

        var result = new Tensor[inputs.Length];
        for (int i = 0; i < inputs.Length; i++)
        {
            if (grads.Get(inputs[i]) is { } g) { result[i] = g; continue; }
            if (!allowUnused && !reached.Contains(inputs[i]))
                throw new InvalidOperationException($"Grad: input {i} {inputs[i].Shape} does not influence the outputs (pass allowUnused to get zeros)");
            result[i] = Tensor.Zeros(inputs[i].Shape, inputs[i].DType, inputs[i].Device);
        }
        return result;
    }

    /// <summary>
    /// Accumulates d(loss)/d(leaf) into <see cref="Tensor.Grad"/> of every grad-requiring leaf the loss depends on
    /// (or of <paramref name="only"/>, when given). Leaf gradients are owned by the leaf, not by the current scope.
    /// </summary>
    public static void Backward(Tensor loss, IReadOnlyList<Tensor>? only = null)
    {
        if (loss.Length != 1) throw new ArgumentException($"Backward needs a scalar loss, got shape {loss.Shape}");
        var leaves = only ?? TopologicalOrder(new[] { loss })
            .SelectMany(n => n.Inputs).Prepend(loss).Where(t => t.RequiresGrad && t.GradFn == null)
            .Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>().ToList();
        if (leaves.Count == 0) return;
        var grads = Grad(new[] { loss }, leaves.ToArray(), allowUnused: true);
        for (int i = 0; i < leaves.Count; i++)
        {
            var leaf = leaves[i];
            if (leaf.Grad == null)
            {
                leaf.Grad = TensorScope.Unscoped(() => Tensor.Empty(leaf.Shape, leaf.DType, leaf.Device));
                leaf.Kernels.Copy(grads[i], leaf.Grad);
            }
            else leaf.Kernels.Binary(BinaryOp.Add, leaf.Grad, grads[i], leaf.Grad);
        }
    }


    /// <summary>
    /// Nodes reachable from the outputs, each after every node that produced one of its inputs. A disposed input means
    /// the graph was freed (by its scope) before the backward pass: that is an error, never a silently shorter graph.
    /// </summary>
    private static List<Node> TopologicalOrder(IEnumerable<Tensor> outputs)
    {
        var order = new List<Node>();
        var seen = new HashSet<Node>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Node node, int next)>();
        foreach (var o in outputs)
        {
            if (o.GradFn == null || !seen.Add(o.GradFn)) continue;
            stack.Push((o.GradFn, 0));
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                if (next < node.Inputs.Length)
                {
                    stack.Push((node, next + 1));
                    var input = node.Inputs[next];
                    if (input.IsDisposed)
                        throw new ObjectDisposedException("tensor", $"backward through {node.Describe()}: its input {next} {input.Shape} was disposed (its scope ended before the backward pass; keep the graph alive until then)");
                    var child = input.GradFn;
                    if (child != null && seen.Add(child)) stack.Push((child, 0));
                }
                else order.Add(node);
            }
        }
        return order;
    }
}
