#!/usr/bin/python3
"""Reference values for AlaeEngine's Balanced PIONEER from the official code, in float64 on the CPU.

Usage: /usr/bin/python3 tools/pioneer_reference.py <checkout of AaltoVision/balanced-pioneer> [output.json]
(default output: tests/AlaeEngine.Tests/Pioneer/pioneer-reference.json). Needs torch (1.13 was used); the official
modules are imported from the checkout as they are, their training-only dependencies (tqdm, h5py, scipy) stubbed.

Runs the official networks (pioneer/model.py) and the official training steps (train.py encoder_train and
decoder_train, in the order of the training loop) on a small network whose every weight, spectral-norm vector,
image and latent comes from a fixed integer hash (splitmix64) that tests/AlaeEngine.Tests/Pioneer/PioneerReferenceTests.cs
evaluates alike, and writes the losses, projections of every gradient and the spectral-norm vectors afterwards. It also runs the
official TrainingScheduler with makeTS's CelebA-HQ and LSUN rules and the training loop's alpha / match_x lines at many
image counts. Nothing here is copied into the engine: this script only produces numbers to compare with.
"""
import json
import math
import os
import sys
import types

import torch

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NZ = 32            # latent size (the official nz + n_label)
LEVELS = 5         # 4² … 64²: channels 32, 32, 32, 32, 16 (the official table nz, nz, nz, nz, nz/2; nz = 16 would give a 0-channel 1024² block it cannot build)
BATCH = 4
BIAS_RMS = 0.001   # small: a spectrally normalised network contracts, and large biases would make all codes alike


MASK = (1 << 64) - 1


def splitmix64(x):
    x = (x + 0x9E3779B97F4A7C15) & MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK
    return x ^ (x >> 31)


def formula(n, stream, rms):
    """n values of uniform noise with the given rms: rms·√3·(2u − 1), u = splitmix64(stream·2³² + j) / 2⁶⁴ (53 bits)."""
    return [rms * math.sqrt(3) * (2 * (splitmix64((stream << 32) + j) >> 11) / 2.0 ** 53 - 1) for j in range(n)]


def tensor(values, shape):
    return torch.tensor(values, dtype=torch.float64).reshape(shape)


def projection(t):
    """<r, t> over the flattened tensor with r = formula(·, 3000, 1), and sum |t| (a parameter with no gradient: 0, 0)."""
    if t is None:
        return [0.0, 0.0]
    flat = t.detach().reshape(-1)
    r = torch.tensor(formula(flat.numel(), 3000, 1.0), dtype=torch.float64)
    return [float((r * flat).sum()), float(flat.abs().sum())]


def load_official(checkout):
    for name in ('tqdm', 'h5py', 'scipy'):
        stub = types.ModuleType(name)
        stub.tqdm = None
        sys.modules.setdefault(name, stub)
    sys.path.insert(0, checkout)
    sys.argv = ['pioneer']
    from pioneer import config
    args = config.get_config()
    # the fields config.init() sets, without its checks on data paths
    args.n_label, args.nz, args.n_critic, args.nc = 1, NZ - 1, 1, 3
    args.use_loss_x_reco = args.use_real_x_KL = args.use_loss_fake_D_KL = True
    args.use_loss_z_reco = args.use_loss_KL_z = True
    args.match_x, args.match_z = 1, 100
    args.fake_D_KL_scale = args.fake_G_KL_scale = args.real_x_KL_scale = 0.1
    args.train_mode = config.MODE_CYCLIC
    args.device = torch.device('cpu')
    args.use_TB = False
    from pioneer import model, train, utils, training_scheduler
    return args, model, train, utils, training_scheduler


def layer_map(gen, enc, args):
    """(our parameter stem, official conv module, spectral?) in AlaeEngine's NamedParameters order."""
    layers = []
    for r in range(LEVELS):
        seq = gen.progression[r].conv
        if not args.noSNG:
            convs, sn = [seq[0].conv, seq[2].conv], True
        elif args.PN:
            convs, sn = [seq[0], seq[3]], False
        else:
            convs, sn = [seq[0], seq[2]], False
        convs = [c.conv if hasattr(c, 'conv') else c for c in convs]
        layers += [(f'decoder.block_{r}.conv_{i + 1}', c, sn) for i, c in enumerate(convs)]
    layers += [(f'decoder.to_rgb_{r}', gen.to_rgb[r], False) for r in range(LEVELS)]
    n = len(enc.progression)
    for r in range(LEVELS):
        seq = enc.progression[n - 1 - r].conv
        layers += [(f'encoder.block_{r}.conv_{i + 1}', seq[j].conv, True) for i, j in enumerate((0, 2))]
    layers += [(f'encoder.from_rgb_{r}', enc.from_rgb[n - 1 - r], False) for r in range(LEVELS)]
    return layers


def weight_param(conv):
    return conv.weight_orig if hasattr(conv, 'weight_orig') else conv.weight


def set_weights(layers, equalized_decoder):
    """Parameter k (AlaeEngine order) gets formula(·, k, rms); the spectral-norm vector of the i-th such layer formula(·, 500 + i, 0.1)."""
    names, buffers, k, ui = [], [], 0, 0
    for stem, conv, sn in layers:
        w = weight_param(conv)
        fan_in = w[0].numel()
        if equalized_decoder and stem.startswith('decoder.block'):
            rms = 1.0                             # stored at N(0, 1) scale, multiplied by √2/√fan_in at run time
        elif sn:
            rms = math.sqrt(2 / fan_in)           # kaiming
        else:
            rms = 1 / math.sqrt(3 * fan_in)       # torch's default U(±1/√fan_in)
        with torch.no_grad():
            w.copy_(tensor(formula(w.numel(), k, rms), w.shape))
            conv.bias.copy_(tensor(formula(conv.bias.numel(), k + 1, BIAS_RMS), conv.bias.shape))
        names += [stem + '.weight', stem + '.bias']
        k += 2
        if sn:
            conv.weight_u = tensor(formula(w.shape[0], 500 + ui, 0.1), (w.shape[0], 1))
            buffers.append(stem + '.weight_u')
            ui += 1
    return names, buffers


def latents(n, which):
    """Latent draws before the projection on the sphere: the encoder step's (which 0), the decoder step's (1)."""
    return formula(n, 1000 + which, 1.0)


def images(res):
    """Real images, uniform in [-0.9, 0.9)."""
    return tensor(formula(BATCH * 3 * res * res, 2000, 0.9 / math.sqrt(3)), (BATCH, 3, res, res))


def run_case(official, level, alpha, margin, match_x, e_last_relu, ablation):
    args, model, train, utils, _ = official
    args.e_last_relu = e_last_relu
    args.noSNG = args.PN = args.EQLR = ablation
    torch.manual_seed(0)
    gen = model.Generator(NZ, 1).double()
    enc = model.Discriminator(nz=NZ, n_label=1, binary_predictor=False).double()
    layers = layer_map(gen, enc, args)
    names, buffers = set_weights(layers, ablation)

    feed = iter([latents(BATCH * NZ, 0), latents(BATCH * NZ, 1)])

    def populate_z(z, nz, noise, batch_size):
        z.data = tensor(next(feed), (batch_size, nz))
        utils.normalize_(z.data)
    train.utils.populate_z = populate_z

    class NoStep:
        def step(self):
            pass

    session = types.SimpleNamespace(encoder=enc, generator=gen, phase=level, alpha=alpha,
                                    optimizerD=NoStep(), optimizerG=NoStep())
    x = images(4 << level)
    stats = {}
    # the training loop: encoder step with G frozen, then one decoder step with E frozen
    utils.switch_grad_updates_to_first_of(enc, gen)
    train.encoder_train(session, x, utils.ImagePool(200), BATCH, match_x, stats, '', margin=margin)
    enc_grads = {stem: conv for stem, conv, _ in layers if stem.startswith('encoder')}
    encoder = {'grads': {}}
    for stem, conv in enc_grads.items():
        encoder['grads'][stem + '.weight'] = projection(weight_param(conv).grad)
        encoder['grads'][stem + '.bias'] = projection(conv.bias.grad)
    encoder['losses'] = {'KL_real': stats['KL_real'], 'KL_fake': stats['KL_fake'], 'KL_loss': stats['KL_loss'],
                         'x_reconstruction_error': stats['x_reconstruction_error'], 'E_loss': float(stats['E_loss'])}
    utils.switch_grad_updates_to_first_of(gen, enc)
    train.decoder_train(session, BATCH, stats, '')
    generator = {'grads': {}}
    for stem, conv, _ in layers:
        if stem.startswith('decoder'):
            generator['grads'][stem + '.weight'] = projection(weight_param(conv).grad)
            generator['grads'][stem + '.bias'] = projection(conv.bias.grad)
    generator['losses'] = {'KL(Phi(G))': stats['KL(Phi(G))'], 'z_reconstruction_error': stats['z_reconstruction_error'],
                           'G_loss': float(stats['G_loss'])}
    u_after = {stem + '.weight_u': [float(v) for v in conv.weight_u.reshape(-1)] for stem, conv, sn in layers if sn}
    return {'level': level, 'alpha': alpha, 'margin': margin, 'matchX': match_x, 'eLastRelu': e_last_relu,
            'ablation': ablation, 'parameters': names, 'buffers': buffers,
            'encoder': encoder, 'generator': generator, 'uAfter': u_after}


def run_schedule(official, data, counts):
    args, _, train, _, training_scheduler = official
    args.data = data
    args.images_per_stage = 2400e3
    session = types.SimpleNamespace(phase=0)
    opts = [types.SimpleNamespace(param_groups=[{'lr': 0.001}]) for _ in range(2)]   # Session.reset_opt: args.lr
    sched = train.makeTS(opts, session)
    rows = []
    for n in counts:
        sched.update(n)
        stage = sched.get_iteration_of_current_phase(n)
        alpha = min(1, stage * 2.0 / args.images_per_stage)
        match_x = args.match_x * args.matching_phase_x if stage >= args.images_per_stage / 2 else args.match_x
        rows.append([n, session.phase, opts[0].param_groups[0]['lr'], sched.m, alpha, match_x, sched.phaseChangedOnLastUpdate])
    return rows


def schedule_counts(starts_kimg, total):
    counts = set(range(0, total, 97_000))
    for s in starts_kimg:
        for d in (-1, 0, 1, 600_000, 1_199_999, 1_200_000):
            if 0 <= s * 1000 + d < total:
                counts.add(s * 1000 + d)
    return sorted(counts)


def main():
    checkout = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(REPO, 'tests', 'AlaeEngine.Tests', 'Pioneer', 'pioneer-reference.json')
    official = load_official(checkout)
    cases = [
        run_case(official, level=4, alpha=0.5, margin=0.0, match_x=1.0, e_last_relu=False, ablation=False),
        run_case(official, level=3, alpha=1.0, margin=0.02, match_x=1.5, e_last_relu=True, ablation=False),
        run_case(official, level=2, alpha=0.5, margin=0.0, match_x=1.0, e_last_relu=False, ablation=True),
    ]
    celeba = [2400, 4800, 7200, 9600, 13000, 16520, 20040]
    lsun = [2400, 4800, 7200, 9600, 12360, 15400, 21400]
    result = {
        'source': 'tools/pioneer_reference.py on AaltoVision/balanced-pioneer, torch ' + torch.__version__ + ', float64, CPU',
        'latent': NZ, 'levels': LEVELS, 'batch': BATCH,
        'cases': cases,
        'schedules': {
            'pioneer-celebahq256': run_schedule(official, 'celebaHQ', schedule_counts(celeba, 25_480_000)),
            'pioneer-lsun256': run_schedule(official, 'lsun', schedule_counts(lsun, 25_400_000)),
        },
    }
    with open(out, 'w') as f:
        json.dump(result, f, indent=1)
    print(f'wrote {out}')


if __name__ == '__main__':
    main()
