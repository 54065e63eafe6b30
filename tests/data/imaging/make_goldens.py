#!/usr/bin/python3
"""Golden data for tests/imaging: inputs and the outputs Pillow produces for them.

Run with Debian's Pillow (apt-get install -y python3-pil python3-numpy; Pillow 9.4.0,
numpy 1.24.2 when these files were made):   /usr/bin/python3 make_goldens.py
It rewrites every file in this folder next to it. Nothing here runs at test time.

Manifests (one case per line, '#' comments, fields separated by single spaces):
  resize_cases.txt      name input.png out_w out_h expected.png
  preprocess_cases.txt  name input pad shortest_edge do_crop crop_w crop_h expected
                        (input "synthetic:WxH" = synthetic_pixel() below; expected "fnv:<hex>" =
                        FNV-1a 64 of the HWC RGB crop bytes, else a PNG)
  load_cases.txt        input expected.png   (PIL exif_transpose + convert("RGB"))
  linspace_cases.txt    total n idx...       (np.linspace(0, total-1, n, dtype=int))
"""
import io
import os
import struct
import zlib

import numpy as np
from PIL import Image, ImageOps

HERE = os.path.dirname(os.path.abspath(__file__))
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)


def path(name):
    return os.path.join(HERE, name)


def test_pattern(w, h, seed, mode="RGB"):
    """Gradients, a hard edge and noise: exercises every tap and the clipping of overshoot."""
    rng = np.random.RandomState(seed)
    ch = 3 if mode == "RGB" else 1
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    base = np.stack([(x * 255.0 / max(w - 1, 1)), (y * 255.0 / max(h - 1, 1)),
                     ((x + y) % 7) * 36.0], axis=-1)[..., :ch]
    edge = ((x > w / 3) & (y < 2 * h / 3))[..., None] * 120.0
    noise = rng.randint(-40, 41, size=(h, w, ch))
    img = np.clip(base + edge + noise, 0, 255).astype(np.uint8)
    return Image.fromarray(img[..., 0] if ch == 1 else img, mode)


def synthetic_pixel(w, h):
    """Large input defined by a formula the C++ test recomputes (no file needed):
    p(x, y, c) = (x * 7 + y * 13 + ((x * y) >> 5) + c * 85) & 255."""
    y, x = np.mgrid[0:h, 0:w].astype(np.int64)
    chans = [(x * 7 + y * 13 + ((x * y) >> 5) + c * 85) & 255 for c in range(3)]
    return Image.fromarray(np.stack(chans, axis=-1).astype(np.uint8), "RGB")


def fnv1a64_np(arr):
    """FNV-1a 64 of the array bytes (the C++ test hashes the crop the same way)."""
    h = 0xCBF29CE484222325
    for b in arr.tobytes():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


# ---------------------------------------------------------------- transformers / LLaVA pipeline
def expand2square(img, fill):
    """LLaVA's expand2square."""
    w, h = img.size
    if w == h:
        return img
    if w > h:
        out = Image.new(img.mode, (w, w), fill)
        out.paste(img, (0, (w - h) // 2))
        return out
    out = Image.new(img.mode, (h, h), fill)
    out.paste(img, ((h - w) // 2, 0))
    return out


def shortest_edge_size(w, h, size):
    """transformers get_resize_output_image_size(default_to_square=False) -> (w, h)."""
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    return (new_short, new_long) if w <= h else (new_long, new_short)


def center_crop(arr, crop_h, crop_w):
    """transformers.image_transforms.center_crop on an HWC array."""
    import math
    oh, ow = arr.shape[:2]
    top = (oh - crop_h) // 2
    bottom = top + crop_h
    left = (ow - crop_w) // 2
    right = left + crop_w
    if top >= 0 and bottom <= oh and left >= 0 and right <= ow:
        return arr[top:bottom, left:right]
    nh, nw = max(crop_h, oh), max(crop_w, ow)
    new = np.zeros((nh, nw) + arr.shape[2:], dtype=arr.dtype)
    tp = math.ceil((nh - oh) / 2)
    lp = math.ceil((nw - ow) / 2)
    new[tp:tp + oh, lp:lp + ow] = arr
    top += tp
    bottom += tp
    left += lp
    right += lp
    return new[max(0, top):min(nh, bottom), max(0, left):min(nw, right)]


def preprocess_u8(img, pad, shortest, do_crop, crop_w, crop_h):
    if pad:
        img = expand2square(img, tuple(int(x * 255) for x in CLIP_MEAN))
    img = img.resize(shortest_edge_size(img.size[0], img.size[1], shortest), Image.BICUBIC)
    arr = np.array(img)
    if do_crop:
        arr = center_crop(arr, crop_h, crop_w)
    return arr


# ---------------------------------------------------------------- PNG writer for 16-bit colour
def png_bytes(arr16, color_type):
    """A 16-bit PNG (Pillow cannot write 16-bit RGB/RGBA)."""
    h, w = arr16.shape[:2]
    raw = b"".join(b"\x00" + arr16[y].astype(">u2").tobytes() for y in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 16, color_type, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9)) +
            chunk(b"IEND", b""))


def pil_load(p):
    """What transformers.image_utils.load_image does, then convert("RGB")."""
    return ImageOps.exif_transpose(Image.open(p)).convert("RGB")


def main():
    for f in os.listdir(HERE):
        if f.endswith((".png", ".jpg", ".gif", ".txt", ".f32")):
            os.remove(path(f))

    # ---- resize cases
    resize_cases = [
        ("up_37x23_61x40", 37, 23, 61, 40, "RGB"),
        ("down_97x71_40x29", 97, 71, 40, 29, "RGB"),
        ("wide_211x13_29x5", 211, 13, 29, 5, "RGB"),
        ("tall_9x120_4x51", 9, 120, 4, 51, "RGB"),
        ("mixed_50x20_23x47", 50, 20, 23, 47, "RGB"),
        ("onlyh_40x30_25x30", 40, 30, 25, 30, "RGB"),
        ("onlyv_40x30_40x47", 40, 30, 40, 47, "RGB"),
        ("px_1x1_7x5", 1, 1, 7, 5, "RGB"),
        ("row_17x1_5x1", 17, 1, 5, 1, "RGB"),
        ("col_1x17_1x6", 1, 17, 1, 6, "RGB"),
        ("to1_23x19_1x1", 23, 19, 1, 1, "RGB"),
        ("thin_13x11_1x20", 13, 11, 1, 20, "RGB"),
        ("big_ratio_300x8_7x3", 300, 8, 7, 3, "RGB"),
        ("gray_31x27_17x45", 31, 27, 17, 45, "L"),
        ("same_12x9_12x9", 12, 9, 12, 9, "RGB"),
    ]
    lines = ["# name input.png out_w out_h expected.png  (PIL Image.resize(.., BICUBIC))"]
    for i, (name, w, h, ow, oh, mode) in enumerate(resize_cases):
        src = test_pattern(w, h, seed=100 + i, mode=mode)
        src.save(path("rs_%s_in.png" % name))
        src.resize((ow, oh), Image.BICUBIC).save(path("rs_%s_out.png" % name))
        lines.append("%s rs_%s_in.png %d %d rs_%s_out.png" % (name, name, ow, oh, name))
    # Saturated checkerboard: maximal overshoot, so the clamp to [0, 255] matters.
    checker = Image.fromarray(((np.indices((16, 16)).sum(axis=0) % 2) * 255).astype(np.uint8)
                              [..., None].repeat(3, axis=2), "RGB")
    checker.save(path("rs_checker_in.png"))
    checker.resize((37, 29), Image.BICUBIC).save(path("rs_checker_out.png"))
    lines.append("checker rs_checker_in.png 37 29 rs_checker_out.png")
    open(path("resize_cases.txt"), "w").write("\n".join(lines) + "\n")

    # ---- full preprocessing (u8 crop) cases
    lines = ["# name input pad shortest_edge do_crop crop_w crop_h expected"]
    pp_cases = [
        ("wide_nopad", (75, 32), 0, 56, 1, 56, 56),
        ("wide_pad", (75, 32), 1, 56, 1, 56, 56),    # odd difference 43: pasted at y = 21
        ("tall_nopad", (30, 77), 0, 56, 1, 56, 56),
        ("tall_pad", (30, 77), 1, 56, 1, 56, 56),    # odd difference 47: pasted at x = 23
        ("rect_crop", (64, 48), 0, 40, 1, 36, 30),   # non-square crop
        ("crop_bigger", (50, 41), 0, 20, 1, 31, 27),  # crop exceeds the resized image: zeros
        ("no_crop", (45, 70), 0, 33, 0, 0, 0),
        ("down_pad", (121, 73), 1, 48, 1, 48, 48),
    ]
    for i, (name, (w, h), pad, se, dc, cw, ch) in enumerate(pp_cases):
        src = test_pattern(w, h, seed=300 + i)
        src.save(path("pp_%s_in.png" % name))
        out = preprocess_u8(src, pad, se, dc, cw, ch)
        Image.fromarray(out, "RGB").save(path("pp_%s_out.png" % name))
        lines.append("%s pp_%s_in.png %d %d %d %d %d pp_%s_out.png" % (name, name, pad, se, dc, cw,
                                                                         ch, name))
    for name, pad in (("hd_nopad", 0), ("hd_pad", 1)):
        out = preprocess_u8(synthetic_pixel(1920, 1080), pad, 336, 1, 336, 336)
        lines.append("%s synthetic:1920x1080 %d 336 1 336 336 fnv:%s" % (name, pad,
                                                                           fnv1a64_np(out)))
    open(path("preprocess_cases.txt"), "w").write("\n".join(lines) + "\n")

    # pixel_values of the non-square crop case as transformers computes them (float32, NCHW raw LE).
    arr = np.array(Image.open(path("pp_rect_crop_out.png")))
    x = (arr.astype(np.float64) * (1 / 255)).astype(np.float32)
    x = (x - np.array(CLIP_MEAN, dtype=np.float32)) / np.array(
        (0.26862954, 0.26130258, 0.27577711), dtype=np.float32)
    x.transpose(2, 0, 1).astype("<f4").tofile(path("pp_rect_crop_pixel_values.f32"))

    # ---- loading cases: PIL's view of each file
    load = []
    g = test_pattern(23, 17, seed=1, mode="L")
    g.save(path("ld_gray8.png"))
    load.append("ld_gray8.png")

    rgb = np.array(test_pattern(19, 14, seed=2))
    alpha = (np.arange(19 * 14).reshape(14, 19) * 7 % 256).astype(np.uint8)
    alpha[0, :] = 0  # fully transparent pixels keep their colour (no compositing)
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(path("ld_rgba.png"))
    load.append("ld_rgba.png")
    Image.fromarray(np.dstack([np.array(g)[:14, :19], alpha]), "LA").save(path("ld_gray_alpha.png"))
    load.append("ld_gray_alpha.png")

    pal = test_pattern(21, 13, seed=3).quantize(colors=16)
    pal.info["transparency"] = 3
    pal.save(path("ld_palette.png"), transparency=3)
    load.append("ld_palette.png")

    test_pattern(20, 11, seed=4, mode="L").convert("1").save(path("ld_bilevel.png"))
    load.append("ld_bilevel.png")

    rng = np.random.RandomState(5)
    g16 = rng.randint(0, 65536, size=(9, 13)).astype(np.uint16)
    g16[0, :6] = [0, 1, 254, 255, 256, 65535]  # clipping boundary
    Image.fromarray(g16).save(path("ld_gray16.png"))
    load.append("ld_gray16.png")
    rgb16 = rng.randint(0, 65536, size=(7, 11, 3)).astype(np.uint16)
    open(path("ld_rgb16.png"), "wb").write(png_bytes(rgb16, 2))
    load.append("ld_rgb16.png")
    rgba16 = rng.randint(0, 65536, size=(6, 5, 4)).astype(np.uint16)
    open(path("ld_rgba16.png"), "wb").write(png_bytes(rgba16, 6))
    load.append("ld_rgba16.png")

    # EXIF orientation 1..8 in PNG eXIf chunks (lossless, so decoding is exact), and in a JPEG.
    base = test_pattern(13, 7, seed=6)
    for o in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = o
        base.save(path("ld_exif%d.png" % o), exif=exif.tobytes())
        load.append("ld_exif%d.png" % o)
    jp = test_pattern(40, 24, seed=7)
    jp.save(path("ld_plain.jpg"), quality=90)
    load.append("ld_plain.jpg")
    exif = Image.Exif()
    exif[0x0112] = 6
    jp.save(path("ld_exif6.jpg"), quality=90, exif=exif.tobytes())
    load.append("ld_exif6.jpg")
    test_pattern(16, 10, seed=8, mode="L").save(path("ld_gray.jpg"), quality=90)
    load.append("ld_gray.jpg")

    lines = ["# input expected.png  (ImageOps.exif_transpose(Image.open(input)).convert('RGB'))"]
    for f in load:
        exp = "exp_" + os.path.splitext(f)[0] + "_" + os.path.splitext(f)[1][1:] + ".png"
        # A fresh image: convert() carries a palette's transparency over as an RGB tRNS colour,
        # which would make the expected PNG four-channel.
        Image.fromarray(np.array(pil_load(path(f))), "RGB").save(path(exp))
        lines.append("%s %s" % (f, exp))
    open(path("load_cases.txt"), "w").write("\n".join(lines) + "\n")

    # Inputs for error cases.
    test_pattern(8, 8, seed=9).save(path("err_anim.gif"))
    open(path("err_text.png"), "w").write("this is a text file, not a PNG\n")
    open(path("err_empty.png"), "wb").close()
    good = open(path("ld_rgba.png"), "rb").read()
    open(path("err_truncated.png"), "wb").write(good[:len(good) // 2])

    # ---- numpy linspace cases (video frame sampling)
    lines = ["# total n indices...  (np.linspace(0, total - 1, n, dtype=int))"]
    for total, n in [(100, 8), (7, 7), (7, 3), (5, 8), (1, 4), (10, 1), (301, 16), (1000, 32),
                     (49, 6), (3, 2), (12345, 7), (17, 17), (29, 10)]:
        idx = np.linspace(0, total - 1, n, dtype=int).tolist()
        lines.append(" ".join(str(v) for v in [total, n] + idx))
    open(path("linspace_cases.txt"), "w").write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
