namespace AlaeEngine.Tensors;

/// <summary>One parameter of a multi-tensor Adam update: the parameter, its gradient and second moment (one length), its step coefficient.</summary>
public readonly record struct AdamSlot(Tensor Param, Tensor Grad, Tensor SecondMoment, double Coef);
