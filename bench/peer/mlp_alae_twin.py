"""A PyTorch twin of one MLP-ALAE training iteration as AlaeEngine runs it (src/AlaeEngine/Training/AlaeAlgorithm.cs,
src/AlaeEngine/Models/MlpAlae.cs): same layers, same step order, same optimiser arithmetic, on random digits.

  F = pixel norm + 6 × (linear 50→50, leaky ReLU 0.2)      (lr × 0.1)
  G = 50→1024→1024→784, leaky ReLU on hidden layers
  E = 784→1024→1024→50, leaky ReLU after every layer
  D = 50→50→50→1, no activations                           (lr × 0.1)
  I.   E, D ← softplus(D(E(G(F(z))))) + softplus(−D(E(x))) + γ/2·‖∇x D(E(x))‖²  (R1 by double backward, γ = 10)
  II.  F, G ← softplus(−D(E(G(F(z)))))                      (E and D frozen)
  III. E, G ← ‖F(z) − E(G(F(z)))‖²                          (F(z) computed without grad)
  Adam β = (0, 0.99), eps 1e-8, lr 0.002. Equalized learning rate the reference's implicit way: weights stored
  already scaled (gain/√fan-in), no per-call multiply.

  python3 mlp_alae_twin.py --batch 128 --threads 1 --iterations 20 --warmup 3   [--device cuda]
"""
import argparse
import math

from peer_common import set_threads, use_device, time_iterations, report, blas_note

p = argparse.ArgumentParser()
p.add_argument("--batch", type=int, default=128)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--iterations", type=int, default=20)
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
args = p.parse_args()

torch = set_threads(args.threads)
device, sync, device_name = use_device(torch, args.device)
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(args.seed)
LATENT, HIDDEN, IMAGE, GAMMA, LR = 50, 1024, 784, 10.0, 0.002


class EqLinear(nn.Linear):
    def __init__(self, fan_in, fan_out, lr_mul=1.0):
        super().__init__(fan_in, fan_out)
        with torch.no_grad():
            self.weight.normal_(0, math.sqrt(2.0 / fan_in))
            self.bias.zero_()
        self.lr_mul = lr_mul


class Mlp(nn.Module):
    def __init__(self, widths, activate_hidden=True, activate_last=False, lr_mul=1.0, pixel_norm=False):
        super().__init__()
        self.layers = nn.ModuleList(EqLinear(a, b, lr_mul) for a, b in zip(widths[:-1], widths[1:]))
        self.activate_hidden, self.activate_last, self.pixel_norm = activate_hidden, activate_last, pixel_norm

    def forward(self, x):
        if self.pixel_norm:
            x = x * torch.rsqrt(torch.mean(x * x, dim=1, keepdim=True) + 1e-8)
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if (self.activate_last if i == len(self.layers) - 1 else self.activate_hidden):
                x = F.leaky_relu(x, 0.2)
        return x


f_net = Mlp([LATENT] * 7, activate_last=True, lr_mul=0.1, pixel_norm=True)
g_net = Mlp([LATENT, HIDDEN, HIDDEN, IMAGE])
e_net = Mlp([IMAGE, HIDDEN, HIDDEN, LATENT], activate_last=True)
d_net = Mlp([LATENT, LATENT, LATENT, 1], activate_hidden=False, lr_mul=0.1)


def adam(*nets):
    groups = [{"params": list(n.parameters()), "lr": LR * n.layers[0].lr_mul} for n in nets]
    return torch.optim.Adam(groups, betas=(0.0, 0.99), eps=1e-8)


opt_ed, opt_fg = adam(e_net, d_net), adam(f_net, g_net)
x_real = torch.rand(args.batch, IMAGE) * 2 - 1


def frozen(nets, value):
    for n in nets:
        n.requires_grad_(not value)


def step():
    b = args.batch
    # I. discriminator step with R1
    with torch.no_grad():
        x_fake = g_net(f_net(torch.randn(b, LATENT)))
    x = x_real.detach().requires_grad_(True)
    d_real = d_net(e_net(x))
    d_fake = d_net(e_net(x_fake))
    grad, = torch.autograd.grad(d_real.sum(), x, create_graph=True)
    r1 = grad.square().sum() * (0.5 * GAMMA / b)
    loss = F.softplus(d_fake).mean() + F.softplus(-d_real).mean() + r1
    opt_ed.zero_grad(set_to_none=True)
    loss.backward()
    opt_ed.step()
    # II. generator step, E and D frozen
    frozen([e_net, d_net], True)
    d = d_net(e_net(g_net(f_net(torch.randn(b, LATENT)))))
    loss = F.softplus(-d).mean()
    opt_fg.zero_grad(set_to_none=True)
    loss.backward()
    opt_fg.step()
    frozen([e_net, d_net], False)
    # III. latent reciprocity: E and G
    with torch.no_grad():
        w = f_net(torch.randn(b, LATENT))
    loss = (e_net(g_net(w)) - w).square().mean()
    opt_ed.zero_grad(set_to_none=True)
    opt_fg.zero_grad(set_to_none=True)
    loss.backward()
    opt_ed.step()
    opt_fg.step()


print(f"MLP-ALAE twin: batch {args.batch} on {device_name}, {args.threads} threads, torch {torch.__version__} ({blas_note(torch)})")
report(time_iterations(step, args.iterations, args.warmup, sync), args.batch, device)
