using AlaeEngine.Tensors;

namespace AlaeEngine.Autograd;

/// <summary>
/// Computes the gradients of an op's inputs from the gradients of its outputs. gradOutputs[i] is null when output i
/// received no gradient; needsInput[j] says whether input j's gradient is wanted (return null for the others).
/// Written with differentiable ops (<see cref="Ops.Op"/>), so that the backward pass can itself be recorded.
/// </summary>
public delegate Tensor?[] BackwardFn(Tensor?[] gradOutputs, bool[] needsInput);

/// <summary>One recorded op on the tape: its inputs, its outputs and how to send gradients back.</summary>
public sealed class Node
{
    internal Node(string opName, Tensor[] inputs, Tensor[] outputs, BackwardFn backward, bool secondOrder)
    {
        OpName = opName; Inputs = inputs; Outputs = outputs; Backward = backward; SupportsSecondOrder = secondOrder;
    }

    public string OpName { get; }
    public Tensor[] Inputs { get; }
    public Tensor[] Outputs { get; }
    internal BackwardFn Backward { get; }

    /// <summary>False for ops whose backward is a raw computation rather than differentiable ops.</summary>
    public bool SupportsSecondOrder { get; }

    public string Describe() => $"{OpName}({string.Join(", ", Inputs.Select(t => t.Shape.ToString()))})";
}
