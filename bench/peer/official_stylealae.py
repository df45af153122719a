"""Times full training iterations of the official StyleALAE code (podgorskiy/ALAE) on the CPU or a GPU, as its train_alae.py
runs them: D step (logistic loss + R1 by double backward), G step, autoencoder (reciprocity) step with LREQAdam, then
the EMA model's lerp — on random images at one level with blend factor 1 (no fade-in), like `alae bench train`.

The ALAE code is not part of this repository: fetch it yourself and pass its folder (it needs only torch, numpy and
PyYAML on this path; its training script's CUDA calls are not used; compare.py looks in official-alae, ignored by git):
    git clone https://github.com/podgorskiy/ALAE bench/peer/official-alae
    python3 official_stylealae.py --alae official-alae --config mnist --res 32 --batch 16 --threads 1
    python3 official_stylealae.py --alae official-alae --config celeba-hq256 --res 64 --batch 32 --device cuda

Model settings come from the repository's configs/<config>.yaml over the defaults of its defaults.py.
"""
import argparse
import ast
import copy
import math
import os
import sys
import warnings

from peer_common import set_threads, use_device, time_iterations, report, blas_note

p = argparse.ArgumentParser()
p.add_argument("--alae", required=True, help="folder of a clone of github.com/podgorskiy/ALAE")
p.add_argument("--config", default="mnist", help="configs/<name>.yaml: mnist, celeba-hq256, ...")
p.add_argument("--res", type=int, required=True, help="resolution of the level to train (a power of two)")
p.add_argument("--batch", type=int, default=16)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--iterations", type=int, default=10)
p.add_argument("--warmup", type=int, default=2)
p.add_argument("--seed", type=int, default=1)
p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
args = p.parse_args()

config_path = os.path.join(args.alae, "configs", f"{args.config}.yaml")
if not os.path.isfile(os.path.join(args.alae, "model.py")) or not os.path.isfile(config_path):
    sys.exit(f"official_stylealae.py: {args.alae} is not a clone of podgorskiy/ALAE with configs/{args.config}.yaml")

torch = set_threads(args.threads)


def accept_positional_value():
    """The official LREQAdam calls addcmul_(value, t1, t2) and addcdiv_(value, t1, t2), overloads PyTorch deprecated in
    1.5: where a torch no longer takes them, they are given the same call with value as the keyword (same arithmetic)."""
    warnings.filterwarnings("ignore", message="This overload of add")
    probe = torch.zeros(1)
    try:
        probe.addcmul_(1.0, probe, probe)
        return
    except TypeError:
        pass
    for name in ("addcmul_", "addcdiv_"):
        def reordered(self, *args, _method=getattr(torch.Tensor, name), **kwargs):
            if len(args) == 3 and not isinstance(args[0], torch.Tensor):
                return _method(self, args[1], args[2], value=args[0])
            return _method(self, *args, **kwargs)
        setattr(torch.Tensor, name, reordered)


accept_positional_value()
device, sync, device_name = use_device(torch, args.device)

sys.path.insert(0, args.alae)
from model import Model              # noqa: E402  (the official code)
from custom_adam import LREQAdam     # noqa: E402



def read_config(path):
    """The config's sections as dicts; PyYAML where it is installed, else the two-level `KEY: value` subset the official
    configs are written in (a GPU box's PyTorch may come without PyYAML)."""
    with open(path) as f:
        text = f.read()
    try:
        import yaml
        return yaml.safe_load(text)
    except ImportError:
        pass
    config, section = {}, None
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].rstrip()
        if not line.strip() or ":" not in line:
            continue
        key, value = (part.strip() for part in line.split(":", 1))
        if not raw.startswith((" ", "\t")):
            section = config.setdefault(key, {}) if not value else None
            if value:
                config[key] = value
        elif section is not None:
            try:
                section[key] = ast.literal_eval(value)
            except (ValueError, SyntaxError):
                section[key] = value
    return config


cfg = read_config(config_path)
model_cfg, train_cfg = cfg.get("MODEL", {}), cfg.get("TRAIN", {})
get = lambda key, default: model_cfg.get(key, default)   # defaults.py's values
layer_count = get("LAYER_COUNT", 6)
lod = int(math.log2(args.res)) - 2
if 2 ** (lod + 2) != args.res or not 0 <= lod < layer_count:
    sys.exit(f"official_stylealae.py: --res {args.res} is not a level of {args.config} (4 … {4 * 2 ** (layer_count - 1)})")

torch.manual_seed(args.seed)
settings = dict(startf=get("START_CHANNEL_COUNT", 64), layer_count=layer_count, maxf=get("MAX_CHANNEL_COUNT", 256),
                latent_size=get("LATENT_SPACE_SIZE", 256), mapping_layers=get("MAPPING_LAYERS", 5),
                channels=get("CHANNELS", 3), generator=get("GENERATOR", "GeneratorDefault"),
                encoder=get("ENCODER", "EncoderDefault"), z_regression=get("Z_REGRESSION", False))
model = Model(dlatent_avg_beta=get("DLATENT_AVG_BETA", None), style_mixing_prob=get("STYLE_MIXING_PROB", 0.9), **settings)
model.train()
model_s = Model(truncation_psi=get("TRUNCATIOM_PSI", 0.7), truncation_cutoff=get("TRUNCATIOM_CUTOFF", 8), **settings)
model_s.load_state_dict(copy.deepcopy(model.state_dict()))
model_s.eval()
model_s.requires_grad_(False)

lr, betas = train_cfg.get("BASE_LEARNING_RATE", 0.0015), (train_cfg.get("ADAM_BETA_0", 0.0), train_cfg.get("ADAM_BETA_1", 0.99))
decoder_optimizer = LREQAdam([{"params": model.decoder.parameters()}, {"params": model.mapping_f.parameters()}], lr=lr, betas=betas, weight_decay=0)
encoder_optimizer = LREQAdam([{"params": model.encoder.parameters()}, {"params": model.mapping_d.parameters()}], lr=lr, betas=betas, weight_decay=0)

x = (torch.rand(args.batch, settings["channels"], args.res, args.res, device=device) * 2 - 1)
x.requires_grad = True
blend_factor = 1.0
betta = 0.5 ** (args.batch / (10 * 1000.0))


def step():
    # train_alae.py's loop body
    encoder_optimizer.zero_grad()
    loss_d = model(x, lod, blend_factor, d_train=True, ae=False)
    loss_d.backward()
    encoder_optimizer.step()

    decoder_optimizer.zero_grad()
    loss_g = model(x, lod, blend_factor, d_train=False, ae=False)
    loss_g.backward()
    decoder_optimizer.step()

    encoder_optimizer.zero_grad()
    decoder_optimizer.zero_grad()
    lae = model(x, lod, blend_factor, d_train=True, ae=True)
    lae.backward()
    encoder_optimizer.step()
    decoder_optimizer.step()

    model_s.lerp(model, betta)


print(f"official StyleALAE ({args.config}, level {lod}, {args.res}², batch {args.batch}) on {device_name}, "
      f"{args.threads} threads, torch {torch.__version__} ({blas_note(torch)})")
report(time_iterations(step, args.iterations, args.warmup, sync), args.batch, device)
