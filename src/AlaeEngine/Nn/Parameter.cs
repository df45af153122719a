using AlaeEngine.Tensors;

namespace AlaeEngine.Nn;

/// <summary>
/// A trainable tensor with its learning-rate coefficient. Equalized learning rate keeps weights at N(0, 1) and scales
/// them by gain/√fan_in at run time; the layer's learning-rate multiplier (0.1 for F and D) becomes this coefficient,
/// which the optimizer multiplies into the step — together exactly the reference's "implicit" lreq update.
/// </summary>
public sealed class Parameter
{
    public Parameter(string name, Tensor value, double lrCoef = 1.0)
    {
        Name = name; Value = value; LrCoef = lrCoef;
        value.RequiresGrad = true;
        value.Name = name;
    }

    public string Name { get; }
    public Tensor Value { get; }
    public double LrCoef { get; }
    public Shape Shape => Value.Shape;
    public override string ToString() => $"{Name} {Shape}";
}
