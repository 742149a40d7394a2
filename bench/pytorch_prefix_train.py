#!/usr/bin/env python3
"""PyTorch *eager* baseline of one prefix-tuning training step, for `bench/compare-train`.

A plain-PyTorch re-implementation (no `transformers`, no `peft`) of what a Python user runs when training
Hugging Face GPT-2 with HF PEFT prefix-tuning (`PrefixTuningConfig(prefix_projection=True)`):

  * GPT-2 as `transformers`' GPT2LMHeadModel with eager attention (the only attention torch 1.13 has):
    Conv1D projections through `torch.addmm` with [in, out] weights, HF's NewGELUActivation, a causal mask
    sliced from the lower-triangular `bias` buffer and applied with `torch.where`, the extended attention mask
    added to the scores, a tied LM head (`hidden @ wte.T`) over ALL positions, and HF's shifted causal-LM loss.
  * PEFT's PrefixEncoder: Embedding(P, H) -> Linear(H, mlp) -> Tanh -> Linear(mlp, layers*2*H), evaluated on the
    batch-expanded prefix tokens (as PeftModel.get_prompt does), reshaped to per-layer past_key_values
    [batch, heads, P, head_dim] and prepended to every layer's keys and values; PEFT concatenates ones to the
    attention mask, and GPT-2 then starts the position ids at the past length P.
  * One step: forward, loss.backward(), clip_grad_norm_(1.0), AdamW(lr=5e-5, weight_decay=0).step(),
    zero_grad(set_to_none=True). Every step trains on the SAME seeded batch (so the loss falls step by step).

Dropout: HF's stock GPT-2 config uses 0.1 (embd/attn/resid) in train mode; peft4j's GPT-2 has no dropout, so the
default here is --dropout 0 for an equal workload (pass --dropout 0.1 for HF's stock training behaviour).

Threads: torch.set_num_threads() does NOT reach OpenBLAS (Debian's torch calls the system BLAS, which keeps its own
thread pool, sized by OPENBLAS_NUM_THREADS or the CPU count). --threads N therefore sets both torch's intra-op
threads and the BLAS's threads; without --threads both keep their own defaults and both are reported.

Output: one JSON object on stdout (keys shared with `peft4j bench train`); progress on stderr.
"""
import argparse
import json
import math
import os
import platform
import sys
import time


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--layers", type=int, default=12)
    p.add_argument("--hidden", type=int, default=768)
    p.add_argument("--heads", type=int, default=12)
    p.add_argument("--vocab", type=int, default=50257)
    p.add_argument("--positions", type=int, default=1024, help="GPT-2 n_positions (default 1024)")
    p.add_argument("--batch", type=int, default=5)
    p.add_argument("--sequence", type=int, default=64, help="tokens per example (source + target)")
    p.add_argument("--source", type=int, default=32, help="leading positions whose labels are -100")
    p.add_argument("--prefix", type=int, default=10, help="virtual tokens P")
    p.add_argument("--mlp", type=int, default=512, help="prefix reparameterisation MLP width")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--threads", type=int, default=None,
                   help="torch intra-op AND BLAS threads (default: each library's own default)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--dropout", type=float, default=0.0,
                   help="GPT-2 embd/attn/resid dropout in train mode (HF stock: 0.1; peft4j: none)")
    a = p.parse_args(argv)
    if a.hidden % a.heads:
        p.error("--hidden must be divisible by --heads")
    if not 0 <= a.source < a.sequence:
        p.error("--source must be in [0, sequence)")
    if a.sequence + a.prefix > a.positions:
        p.error("--sequence + --prefix must fit in --positions (GPT-2 positions start after the prefix)")
    if a.steps < 1 or a.warmup < 0:
        p.error("--steps must be >= 1 and --warmup >= 0")
    if a.threads is not None and a.threads < 1:
        p.error("--threads must be >= 1")
    return a


ARGS = parse_args()
if ARGS.threads is not None:
    # Before torch (and the BLAS it links) is loaded, so the pools start at the requested size.
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[var] = str(ARGS.threads)

import ctypes  # noqa: E402

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def log(*parts):
    print(*parts, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------------------------------------------
# GPT-2, as transformers' modeling_gpt2.py (eager attention)
# --------------------------------------------------------------------------------------------------------------

class Conv1D(nn.Module):
    """HF's Conv1D: a linear layer with weights [in, out], computed with addmm."""

    def __init__(self, nf, nx):
        super().__init__()
        self.nf = nf
        self.weight = nn.Parameter(torch.empty(nx, nf))
        self.bias = nn.Parameter(torch.zeros(nf))
        nn.init.normal_(self.weight, std=0.02)

    def forward(self, x):
        size_out = x.size()[:-1] + (self.nf,)
        x = torch.addmm(self.bias, x.view(-1, x.size(-1)), self.weight)
        return x.view(size_out)


class NewGELUActivation(nn.Module):
    def forward(self, x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


class GPT2Attention(nn.Module):
    def __init__(self, hidden, heads, positions, dropout):
        super().__init__()
        self.register_buffer("bias", torch.tril(torch.ones((positions, positions), dtype=torch.bool))
                             .view(1, 1, positions, positions), persistent=False)
        self.embed_dim = hidden
        self.num_heads = heads
        self.head_dim = hidden // heads
        self.split_size = hidden
        self.c_attn = Conv1D(3 * hidden, hidden)
        self.c_proj = Conv1D(hidden, hidden)
        self.attn_dropout = nn.Dropout(dropout)
        self.resid_dropout = nn.Dropout(dropout)

    def _attn(self, query, key, value, attention_mask):
        attn_weights = torch.matmul(query, key.transpose(-1, -2))
        attn_weights = attn_weights / torch.full([], value.size(-1) ** 0.5, dtype=attn_weights.dtype,
                                                 device=attn_weights.device)
        query_length, key_length = query.size(-2), key.size(-2)
        causal_mask = self.bias[:, :, key_length - query_length: key_length, :key_length]
        mask_value = torch.finfo(attn_weights.dtype).min
        mask_value = torch.full([], mask_value, dtype=attn_weights.dtype).to(attn_weights.device)
        attn_weights = torch.where(causal_mask, attn_weights.to(attn_weights.dtype), mask_value)
        if attention_mask is not None:
            attn_weights = attn_weights + attention_mask
        attn_weights = F.softmax(attn_weights, dim=-1)
        attn_weights = attn_weights.type(value.dtype)
        attn_weights = self.attn_dropout(attn_weights)
        return torch.matmul(attn_weights, value)

    def _split_heads(self, tensor):
        new_shape = tensor.size()[:-1] + (self.num_heads, self.head_dim)
        return tensor.view(new_shape).permute(0, 2, 1, 3)  # (batch, head, seq, head_dim)

    def _merge_heads(self, tensor):
        tensor = tensor.permute(0, 2, 1, 3).contiguous()
        return tensor.view(tensor.size()[:-2] + (self.num_heads * self.head_dim,))

    def forward(self, hidden_states, layer_past, attention_mask):
        query, key, value = self.c_attn(hidden_states).split(self.split_size, dim=2)
        query, key, value = self._split_heads(query), self._split_heads(key), self._split_heads(value)
        if layer_past is not None:
            past_key, past_value = layer_past
            key = torch.cat((past_key, key), dim=-2)
            value = torch.cat((past_value, value), dim=-2)
        attn_output = self._merge_heads(self._attn(query, key, value, attention_mask))
        return self.resid_dropout(self.c_proj(attn_output))


class GPT2MLP(nn.Module):
    def __init__(self, hidden, dropout):
        super().__init__()
        self.c_fc = Conv1D(4 * hidden, hidden)
        self.c_proj = Conv1D(hidden, 4 * hidden)
        self.act = NewGELUActivation()
        self.dropout = nn.Dropout(dropout)

    def forward(self, hidden_states):
        return self.dropout(self.c_proj(self.act(self.c_fc(hidden_states))))


class GPT2Block(nn.Module):
    def __init__(self, hidden, heads, positions, eps, dropout):
        super().__init__()
        self.ln_1 = nn.LayerNorm(hidden, eps=eps)
        self.attn = GPT2Attention(hidden, heads, positions, dropout)
        self.ln_2 = nn.LayerNorm(hidden, eps=eps)
        self.mlp = GPT2MLP(hidden, dropout)

    def forward(self, hidden_states, layer_past, attention_mask):
        hidden_states = hidden_states + self.attn(self.ln_1(hidden_states), layer_past, attention_mask)
        return hidden_states + self.mlp(self.ln_2(hidden_states))


class GPT2LMHeadModel(nn.Module):
    def __init__(self, layers, hidden, heads, vocab, positions, eps=1e-5, dropout=0.0):
        super().__init__()
        self.wte = nn.Embedding(vocab, hidden)
        self.wpe = nn.Embedding(positions, hidden)
        self.drop = nn.Dropout(dropout)
        self.h = nn.ModuleList([GPT2Block(hidden, heads, positions, eps, dropout) for _ in range(layers)])
        self.ln_f = nn.LayerNorm(hidden, eps=eps)
        # HF's _init_weights: normal(0, 0.02) everywhere, residual projections scaled by 1/sqrt(2 * layers).
        nn.init.normal_(self.wte.weight, std=0.02)
        nn.init.normal_(self.wpe.weight, std=0.02)
        for name, param in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(param, std=0.02 / math.sqrt(2 * layers))

    def forward(self, input_ids, past_key_values, attention_mask, labels):
        batch_size, seq_len = input_ids.shape
        past_length = past_key_values[0][0].size(-2)
        position_ids = torch.arange(past_length, seq_len + past_length, dtype=torch.long).unsqueeze(0)
        attention_mask = attention_mask.view(batch_size, -1)[:, None, None, :]
        attention_mask = attention_mask.to(dtype=self.wte.weight.dtype)
        attention_mask = (1.0 - attention_mask) * torch.finfo(self.wte.weight.dtype).min
        hidden_states = self.drop(self.wte(input_ids) + self.wpe(position_ids))
        for block, layer_past in zip(self.h, past_key_values):
            hidden_states = block(hidden_states, layer_past, attention_mask)
        hidden_states = self.ln_f(hidden_states)
        lm_logits = F.linear(hidden_states, self.wte.weight)  # tied lm_head (Linear, no bias), all positions
        shift_logits = lm_logits[..., :-1, :].contiguous()
        shift_labels = labels[..., 1:].contiguous()
        return F.cross_entropy(shift_logits.view(-1, shift_logits.size(-1)), shift_labels.view(-1),
                               ignore_index=-100)


# --------------------------------------------------------------------------------------------------------------
# PEFT prefix tuning, as peft's PrefixEncoder + PeftModelForCausalLM
# --------------------------------------------------------------------------------------------------------------

class PrefixEncoder(nn.Module):
    def __init__(self, num_virtual_tokens, token_dim, encoder_hidden_size, num_layers):
        super().__init__()
        self.embedding = nn.Embedding(num_virtual_tokens, token_dim)
        self.transform = nn.Sequential(
            nn.Linear(token_dim, encoder_hidden_size),
            nn.Tanh(),
            nn.Linear(encoder_hidden_size, num_layers * 2 * token_dim),
        )

    def forward(self, prefix):
        return self.transform(self.embedding(prefix))


class PrefixTunedCausalLM(nn.Module):
    def __init__(self, base, prefix, layers, hidden, heads, mlp):
        super().__init__()
        self.base_model = base
        self.prompt_encoder = PrefixEncoder(prefix, hidden, mlp, layers)
        self.register_buffer("prompt_tokens", torch.arange(prefix).long(), persistent=False)
        self.num_virtual_tokens, self.num_layers, self.heads, self.hidden = prefix, layers, heads, hidden

    def get_prompt(self, batch_size):
        prefix_tokens = self.prompt_tokens.unsqueeze(0).expand(batch_size, -1)
        past_key_values = self.prompt_encoder(prefix_tokens)
        past_key_values = past_key_values.view(batch_size, self.num_virtual_tokens, self.num_layers * 2,
                                               self.heads, self.hidden // self.heads)
        # [layers*2, batch, heads, P, head_dim], split into one (key, value) pair per layer
        return past_key_values.permute([2, 0, 3, 1, 4]).split(2)

    def forward(self, input_ids, attention_mask, labels):
        batch_size = input_ids.shape[0]
        prefix_attention_mask = torch.ones(batch_size, self.num_virtual_tokens)
        attention_mask = torch.cat((prefix_attention_mask, attention_mask), dim=1)
        return self.base_model(input_ids, self.get_prompt(batch_size), attention_mask, labels)


# --------------------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------------------

def gflop_per_step(a):
    """Multiply-add FLOPs (2 per MAC) of the GEMMs this implementation runs in one step, in GFLOP.

    T = batch*sequence, K = sequence + prefix (keys incl. the prefix), F = 4*hidden, D = layers*2*hidden.
    forward:
      per layer  c_attn 2*T*H*3H + c_proj 2*T*H*H + c_fc 2*T*H*F + mlp.c_proj 2*T*F*H      (= 24*T*H^2)
                 QK^T 2*B*S*K*H + AV 2*B*S*K*H                                          (all heads together)
      LM head    2*T*H*V                                           (all positions, source included, as HF)
      prefix MLP 2*B*P*(H*M + M*D)                  (PEFT runs it on the batch-expanded prefix tokens)
    backward (frozen weights get no weight gradient; autograd skips what needs no gradient):
      per layer  input gradients of c_proj, c_fc, mlp.c_proj: 2*T*H*H + 2*T*H*F + 2*T*F*H
                 attention: dK, d(probs), dV = 3 * 2*B*S*K*H
                 and, except in layer 0 (whose input, the frozen embeddings, needs no gradient):
                 c_attn input gradient 2*T*H*3H and dQ 2*B*S*K*H
      LM head    d(hidden) = d(logits) @ wte: 2*T*H*V
      prefix MLP input and weight gradients of both Linears (trainable): 2 * 2*B*P*(H*M + M*D)
    Elementwise work (layer norms, GELU, softmax, loss, AdamW) is not counted.
    """
    B, S, P, H, V, L, M = a.batch, a.sequence, a.prefix, a.hidden, a.vocab, a.layers, a.mlp
    T, K, Fw, D = B * S, S + P, 4 * H, L * 2 * H
    attn = 2 * B * S * K * H
    fwd_layer = 2 * T * H * 3 * H + 2 * T * H * H + 2 * T * H * Fw + 2 * T * Fw * H + 2 * attn
    bwd_layer_first = 2 * T * H * H + 2 * T * H * Fw + 2 * T * Fw * H + 3 * attn
    bwd_layer = bwd_layer_first + 2 * T * H * 3 * H + attn
    head = 2 * T * H * V
    prefix = 2 * B * P * (H * M + M * D)
    forward = L * fwd_layer + head + prefix
    backward = bwd_layer_first + (L - 1) * bwd_layer + head + 2 * prefix
    return (forward + backward) / 1e9


def spread(seconds):
    s = sorted(seconds)
    n = len(s)

    def nearest_rank(fraction):
        return s[min(n - 1, max(0, math.ceil(fraction * n) - 1))]

    median = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    return {"median": median, "p10": nearest_rank(0.10), "p90": nearest_rank(0.90),
            "min": s[0], "max": s[-1], "count": n}


def gemm_peak_gflops(size=1024, repeats=10, warmup=2):
    g = torch.Generator().manual_seed(0)
    left = torch.randn(size, size, generator=g)
    right = torch.randn(size, size, generator=g)
    seconds = []
    for i in range(warmup + repeats):
        began = time.perf_counter()
        torch.matmul(left, right)
        if i >= warmup:
            seconds.append(time.perf_counter() - began)
    return 2.0 * size ** 3 / spread(seconds)["median"] / 1e9


def peak_rss_bytes():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return None


def blas_in_use():
    """Which BLAS this process has mapped (after a matmul), its build config and thread count where it says."""
    mapped = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            if len(fields) >= 6 and any(k in os.path.basename(fields[-1]).lower()
                                        for k in ("blas", "mkl", "blis", "lapack", "atlas")):
                mapped.add(fields[-1])
    info = {"libraries": sorted(mapped), "config": None, "threads": None}
    for path in sorted(mapped):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        if hasattr(lib, "openblas_get_config"):
            lib.openblas_get_config.restype = ctypes.c_char_p
            info["config"] = lib.openblas_get_config().decode()
            info["threads"] = lib.openblas_get_num_threads()
            info["set_threads"] = lib.openblas_set_num_threads
            break
        if hasattr(lib, "mkl_get_max_threads"):
            info["config"] = "MKL"
            info["threads"] = lib.mkl_get_max_threads()
            break
    return info


def main(a):
    torch.manual_seed(a.seed)
    if a.threads is not None:
        torch.set_num_threads(a.threads)
    # A first matmul loads the BLAS, so that it can be found in /proc/self/maps.
    torch.matmul(torch.ones(64, 64), torch.ones(64, 64))
    blas = blas_in_use()
    if a.threads is not None and blas.get("set_threads") is not None and blas["threads"] != a.threads:
        blas["set_threads"](a.threads)
        blas = blas_in_use()
    blas.pop("set_threads", None)
    libraries = [lib for lib in blas["libraries"] if "lapack" not in os.path.basename(lib)] or blas["libraries"]
    blas_text = "{} ({}; {} threads)".format(blas["config"] or "unknown BLAS", ", ".join(libraries) or "none mapped",
                                             blas["threads"] if blas["threads"] is not None else "?")
    threads = torch.get_num_threads()
    log(f"pytorch-eager: torch {torch.__version__}, intra-op threads {threads}, interop {torch.get_num_interop_threads()}")
    log(f"pytorch-eager: BLAS {blas_text}")
    if blas["threads"] is not None and blas["threads"] != threads:
        log(f"pytorch-eager: note: the BLAS runs {blas['threads']} threads while torch's intra-op pool has {threads}"
            " (pass --threads N to set both)")

    base = GPT2LMHeadModel(a.layers, a.hidden, a.heads, a.vocab, a.positions, eps=1e-5, dropout=a.dropout)
    base.requires_grad_(False)
    model = PrefixTunedCausalLM(base, a.prefix, a.layers, a.hidden, a.heads, a.mlp)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    trainable = sum(p.numel() for p in params)
    optimizer = torch.optim.AdamW(params, lr=a.lr, weight_decay=0.0)
    log(f"pytorch-eager: {a.layers} layers, hidden {a.hidden}, {a.heads} heads, vocab {a.vocab}; "
        f"prefix {a.prefix}, mlp {a.mlp}; {trainable} trainable parameters; dropout {a.dropout}")

    # One seeded batch, reused by every step.
    g = torch.Generator().manual_seed(a.seed + 1)
    input_ids = torch.randint(0, a.vocab, (a.batch, a.sequence), generator=g)
    attention_mask = torch.ones(a.batch, a.sequence, dtype=torch.long)
    labels = input_ids.clone()
    labels[:, :a.source] = -100

    peak = gemm_peak_gflops()
    log(f"pytorch-eager: 1024^3 fp32 matmul: {peak:.1f} GFLOP/s")

    def step():
        loss = model(input_ids, attention_mask, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss

    seconds = []
    for i in range(a.warmup + a.steps):
        began = time.perf_counter()
        loss = step()
        took = time.perf_counter() - began
        timed = i >= a.warmup
        if timed:
            seconds.append(took)
        log(f"pytorch-eager: {'step' if timed else 'warm-up'} {i - a.warmup + 1 if timed else i + 1}: "
            f"{took:.3f} s, loss {loss.item():.4f}")

    figures = spread(seconds)
    gflop = gflop_per_step(a)
    achieved = gflop / figures["median"]
    out = {
        "benchmark": "train",
        "implementation": "pytorch-eager",
        "versions": {"torch": torch.__version__, "python": platform.python_version(), "blas": blas_text},
        "threads": threads,
        "workload": {"layers": a.layers, "hidden": a.hidden, "heads": a.heads, "vocab": a.vocab, "batch": a.batch,
                     "sequence": a.sequence, "source": a.source, "prefix": a.prefix, "mlp": a.mlp},
        "warmup": a.warmup,
        "steps": a.steps,
        "step_seconds": figures,
        "tokens_per_second": a.batch * a.sequence / figures["median"],
        "peak_rss_bytes": peak_rss_bytes(),
        "trainable_parameters": trainable,
        "gflop_per_step": gflop,
        "achieved_gflops": achieved,
        "gemm_peak_gflops": peak,
        "fraction_of_peak": achieved / peak,
    }
    log(f"pytorch-eager: median step {figures['median']:.3f} s, {out['tokens_per_second']:.1f} tokens/s, "
        f"{achieved:.1f} GFLOP/s = {out['fraction_of_peak']:.2f} of the GEMM peak")
    print(json.dumps(out))


if __name__ == "__main__":
    main(ARGS)
