"""Positions for drawing a graph, computed ahead so the page needs no physics to show it.

Each connected component is laid out on its own, turned so that it spreads most along x (screens
are wider than tall), and the components are packed in rows, largest first, with the isolated
nodes in a block of their own. A component of fewer than
``SPRING_MAX`` nodes gets ``networkx.spring_layout`` (Fruchterman-Reingold, dense, with a fixed
seed); a larger one starts from pivot MDS (breadth-first distances from a few dozen pivots) and is
refined by a Fruchterman-Reingold pass whose repulsion only looks at nodes in neighbouring grid
cells, so each step is O(n) in numpy (about 1 s for 10,000 nodes; no scipy needed).
Edge lengths are normalised to ``edge_length`` in every component.

Same graph and seed, same positions (rounded to 0.1), whatever order the nodes were added in.

>>> import networkx as nx
>>> pos = layout_positions(nx.path_graph(["a", "b", "c"]))
>>> sorted(pos) == ["a", "b", "c"] and all(len(p) == 2 for p in pos.values())
True
>>> layout_positions(nx.path_graph(["a", "b", "c"])) == pos
True
"""

from __future__ import annotations

import math
from collections import deque

import networkx as nx
import numpy as np

__all__ = ["layout_positions", "SPRING_MAX"]

SPRING_MAX = 500  # networkx's dense spring layout below this many nodes (it wants scipy above)
_PIVOTS = 40


def layout_positions(G: nx.Graph, seed: int = 7, edge_length: float = 150.0) -> dict:
    """``{node: (x, y)}`` for every node of ``G`` (directions and parallel edges are ignored)."""
    nodes = sorted(G, key=str)
    index = {n: i for i, n in enumerate(nodes)}
    adj: list[set[int]] = [set() for _ in nodes]
    for u, v in G.edges():
        a, b = index[u], index[v]
        if a != b:
            adj[a].add(b)
            adj[b].add(a)
    comps = _components(adj)
    singles = [c[0] for c in comps if len(c) == 1]
    blocks = []  # (positions of the block's nodes, node indices)
    for comp in comps:
        if len(comp) == 1:
            continue
        local = _component_layout(comp, adj, seed)
        blocks.append((local * edge_length, comp))
    if singles:
        side = math.ceil(math.sqrt(len(singles)))
        grid = np.array([(i % side, i // side) for i in range(len(singles))], dtype=float)
        blocks.append((grid * edge_length * 0.8, singles))
    pos = _pack(blocks, len(nodes), edge_length)
    return {n: (round(float(pos[i, 0]), 1), round(float(pos[i, 1]), 1)) for i, n in enumerate(nodes)}


def _components(adj: list[set[int]]) -> list[list[int]]:
    seen = [False] * len(adj)
    comps = []
    for s in range(len(adj)):
        if seen[s]:
            continue
        seen[s] = True
        comp, queue = [s], deque([s])
        while queue:
            for v in adj[queue.popleft()]:
                if not seen[v]:
                    seen[v] = True
                    comp.append(v)
                    queue.append(v)
        comps.append(sorted(comp))
    comps.sort(key=lambda c: (-len(c), c[0]))
    return comps


def _component_layout(comp: list[int], adj: list[set[int]], seed: int) -> np.ndarray:
    """Positions of one connected component, mean edge length 1."""
    local = {g: i for i, g in enumerate(comp)}
    edges = np.array(sorted({(local[a], local[b]) for a in comp for b in adj[a] if local[a] < local[b]}),
                     dtype=np.int64).reshape(-1, 2)
    n = len(comp)
    if n == 2:
        pos = np.array([[0.0, 0.0], [1.0, 0.0]])
    elif n < SPRING_MAX:
        H = nx.Graph()
        H.add_nodes_from(range(n))
        H.add_edges_from(map(tuple, edges))
        p = nx.spring_layout(H, seed=seed)
        pos = np.array([p[i] for i in range(n)], dtype=float)
    else:
        ladj = [[local[b] for b in sorted(adj[a])] for a in comp]
        pos = _pivot_mds(ladj, seed)
        pos = _normalise(pos, edges)
        pos = _force_layout(pos, edges)
    return _normalise(_principal_axes(pos), edges)


def _principal_axes(pos: np.ndarray) -> np.ndarray:
    """The positions turned so that their greatest spread is along x (signs fixed: the farthest
    node on each axis is on its positive side)."""
    pos = pos - pos.mean(axis=0)
    if len(pos) < 3:
        return pos
    _, vecs = np.linalg.eigh(pos.T @ pos)
    pos = pos @ vecs[:, ::-1]
    for ax in range(2):
        if pos[int(np.argmax(np.abs(pos[:, ax]))), ax] < 0:
            pos[:, ax] = -pos[:, ax]
    return pos


def _normalise(pos: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Centre and scale: mean edge length 1, unless that leaves the median node nearer than 0.8
    to its nearest neighbour (dense hubs), then that distance 0.8."""
    pos = pos - pos.mean(axis=0)
    scale = 0.0
    if len(edges):
        d = np.linalg.norm(pos[edges[:, 0]] - pos[edges[:, 1]], axis=1)
        if d.mean() > 1e-9:
            scale = 1 / float(d.mean())
    nn = _median_nearest(pos)
    if nn > 1e-9:
        scale = max(scale, 0.8 / nn)
    return pos * scale if scale > 0 else pos


def _median_nearest(pos: np.ndarray, sample: int = 400) -> float:
    """Median distance from a node to its nearest neighbour (over an evenly spaced sample of nodes)."""
    if len(pos) < 2:
        return 0.0
    idx = np.unique(np.linspace(0, len(pos) - 1, min(sample, len(pos))).astype(int))
    d2 = ((pos[idx, None, :] - pos[None, :, :]) ** 2).sum(axis=2)
    d2[np.arange(len(idx)), idx] = np.inf
    return float(np.sqrt(np.median(d2.min(axis=1))))


def _bfs(adj: list[list[int]], s: int) -> np.ndarray:
    dist = np.full(len(adj), -1, dtype=np.int64)
    dist[s] = 0
    frontier = [s]
    d = 0
    while frontier:
        d += 1
        nxt = []
        for u in frontier:
            for v in adj[u]:
                if dist[v] < 0:
                    dist[v] = d
                    nxt.append(v)
        frontier = nxt
    return dist


def _pivot_mds(adj: list[list[int]], seed: int) -> np.ndarray:
    """Pivot MDS (Brandes & Pich 2006): classical MDS on the distances to k far-apart pivots."""
    n = len(adj)
    k = min(_PIVOTS, n)
    degrees = np.array([len(a) for a in adj])
    pivot = int(np.argmax(degrees))
    cols, mind = [], np.full(n, np.iinfo(np.int64).max)
    for _ in range(k):
        d = _bfs(adj, pivot)
        cols.append(d)
        mind = np.minimum(mind, d)
        pivot = int(np.argmax(mind))  # farthest from every pivot so far (first such index)
    D2 = np.stack(cols, axis=1).astype(float) ** 2
    B = -0.5 * (D2 - D2.mean(axis=0) - D2.mean(axis=1, keepdims=True) + D2.mean())
    vals, vecs = np.linalg.eigh(B.T @ B)  # k x k: B's right singular vectors, cheaper than an SVD
    pos = B @ vecs[:, ::-1][:, :2]  # = U S for the two largest singular values
    # Fix the signs of the axes so the result does not depend on the SVD routine's choice.
    for ax in range(2):
        if pos[int(np.argmax(np.abs(pos[:, ax]))), ax] < 0:
            pos[:, ax] = -pos[:, ax]
    # Nodes at equal distances from every pivot coincide: spread them a little.
    rng = np.random.default_rng(seed)
    return pos + rng.normal(scale=1e-3 * (np.abs(pos).max() or 1.0), size=pos.shape)


def _pm_repulsion(pos: np.ndarray, grid: int, kernel: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Repulsion ``sum_j (x - x_j) / |x - x_j|^2`` on every node, by a particle-mesh convolution.

    Nodes are spread on a ``grid`` x ``grid`` mesh (cloud in cell), the mesh is convolved with the
    force kernel by FFT (zero-padded, so nothing wraps around) and the field is read back at the
    nodes. O(n + grid^2 log grid) a step; the self-force cancels exactly.
    """
    lo = pos.min(axis=0)
    span = float((pos.max(axis=0) - lo).max())
    if span <= 0:
        return np.zeros_like(pos)
    h = span / (grid - 1.001)
    g = (pos - lo) / h
    i0 = np.clip(np.floor(g).astype(np.int64), 0, grid - 2)
    f = g - i0
    m = 2 * grid
    corners = []
    for dx, dy in ((0, 0), (1, 0), (0, 1), (1, 1)):
        w = (f[:, 0] if dx else 1 - f[:, 0]) * (f[:, 1] if dy else 1 - f[:, 1])
        corners.append(((i0[:, 0] + dx) * m + (i0[:, 1] + dy), w))
    rho = np.zeros(m * m)
    for flat, w in corners:
        rho += np.bincount(flat, w, minlength=m * m)
    rho_hat = np.fft.rfft2(rho.reshape(m, m))
    out = np.zeros_like(pos)
    for ax in range(2):
        field = np.fft.irfft2(rho_hat * kernel[ax], s=(m, m)).ravel()
        for flat, w in corners:
            out[:, ax] += w * field[flat]
    return out / h


def _pm_kernel(grid: int) -> tuple[np.ndarray, np.ndarray]:
    m = 2 * grid
    d = np.arange(m, dtype=float)
    d[d >= grid] -= m  # displacement of each cell, wrapped: the padding keeps real pairs apart
    dx, dy = np.meshgrid(d, d, indexing="ij")
    r2 = dx * dx + dy * dy + 0.25  # softened at distance zero
    return np.fft.rfft2(dx / r2), np.fft.rfft2(dy / r2)


def _force_layout(pos: np.ndarray, edges: np.ndarray, iterations: int = 60) -> np.ndarray:
    """Fruchterman-Reingold (spring d^2, repulsion 1/d between all pairs via :func:`_pm_repulsion`)."""
    n = len(pos)
    grid = int(min(512, max(64, 2 ** math.ceil(math.log2(2 * math.sqrt(n))))))
    kernel = _pm_kernel(grid)
    pos = pos.astype(float).copy()
    u, v = edges[:, 0], edges[:, 1]
    for it in range(iterations):
        disp = _pm_repulsion(pos, grid, kernel)
        d = pos[u] - pos[v]
        f = d * np.sqrt((d * d).sum(axis=1))[:, None]
        for ax in range(2):
            disp[:, ax] += np.bincount(v, f[:, ax], minlength=n) - np.bincount(u, f[:, ax], minlength=n)
        disp -= 0.05 * (pos - pos.mean(axis=0))
        span = float((pos.max(axis=0) - pos.min(axis=0)).max()) or 1.0
        temp = 0.05 * span * (1 - it / iterations)
        length = np.maximum(np.sqrt((disp * disp).sum(axis=1)), 1e-9)[:, None]
        pos += disp / length * np.minimum(length, temp)
    return pos


def _pack(blocks: list[tuple[np.ndarray, list[int]]], n: int, gap: float) -> np.ndarray:
    """Place the blocks in rows (shelf packing), centred on the origin."""
    pos = np.zeros((n, 2))
    if not blocks:
        return pos
    boxes = []
    for p, idx in blocks:
        lo = p.min(axis=0)
        boxes.append((p - lo, idx, p.max(axis=0) - lo))
    total = sum((w + gap) * (h + gap) for _, _, (w, h) in boxes)
    row_width = max(math.sqrt(total) * 1.3, max(w for _, _, (w, _) in boxes))
    x = y = row_h = 0.0
    for p, idx, (w, h) in boxes:  # blocks come largest first
        if x > 0 and x + w > row_width:
            x, y, row_h = 0.0, y + row_h + gap, 0.0
        pos[idx] = p + (x, y)
        x += w + gap
        row_h = max(row_h, h)
    return pos - (pos.max(axis=0) + pos.min(axis=0)) / 2
