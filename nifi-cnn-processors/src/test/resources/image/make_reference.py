#!/usr/bin/python3
"""Generates the image fixtures and the Pillow reference arrays that ImageResizerPillowTest and ImageDecoderTest compare against.

Run with Debian's Python and Pillow (apt-get install python3-pil python3-numpy), from this folder:
    /usr/bin/python3 make_reference.py
Made with Pillow 9.4.0 and NumPy 1.24.2 (Debian 12). Everything is deterministic (seeded), so re-running it gives the same files.

Outputs
  sources/*.png                 small RGB source images (lossless) that the Java test decodes and resizes
  pillow/<case>.npy             Pillow's resize result, float32 array of shape (height, width, 3) holding 0..255 values
  pillow/cases.txt              one line per case: name source width height mode filter [shorter-side]; cases with a shorter
                                side follow torchvision: Resize(shorter-side) then CenterCrop((height, width)), both on Pillow images
  draft/*                       two 530x410 JPEGs (one EXIF-rotated), Pillow's draft + resize results and draft/cases.txt
                                (name file width height mode filter shorter-side denominator)
  decode/*                      one small file per decodable variant (palette, 16-bit, grey, alpha, GIF, BMP, TIFF, WebP,
                                progressive JPEG, 4:4:4/4:2:2/4:2:0 JPEG, CMYK JPEG, EXIF-rotated JPEG) and decode/expected/*.npy, the RGB each should decode to
"""
import io
import math
import os
import struct
import zlib

import numpy
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))


def save_npy(path, array):
    numpy.save(path, numpy.ascontiguousarray(array, dtype='<f4'))


def photo_like(width, height, seed):
    """Smooth gradients, a few hard edges and some noise: exercises both the flat and the ringing parts of the filters."""
    rng = numpy.random.default_rng(seed)
    y, x = numpy.mgrid[0:height, 0:width].astype(numpy.float64)
    red = 128 + 100 * numpy.sin(x / width * 5.0 + y / height * 2.0)
    green = 255 * (x / max(1, width - 1))
    blue = numpy.where((x // 5 + y // 4) % 2 == 0, 230.0, 20.0)
    image = numpy.stack([red, green, blue], axis=-1) + rng.normal(0, 18, (height, width, 3))
    return numpy.clip(numpy.rint(image), 0, 255).astype(numpy.uint8)


def java_round(value):
    return math.floor(value + 0.5)


def geometry(source_width, source_height, width, height, mode):
    """The same arithmetic as dev.nificnn.image.ResizeGeometry: scaled size, crop offset, pad offset."""
    if mode == 'SHORTER_SIDE_CROP':
        factor = max(width / source_width, height / source_height)
        scaled_width = max(width, java_round(source_width * factor))
        scaled_height = max(height, java_round(source_height * factor))
        return scaled_width, scaled_height, (scaled_width - width) // 2, (scaled_height - height) // 2, 0, 0
    if mode == 'FIT_PAD':
        factor = min(width / source_width, height / source_height)
        scaled_width = min(max(java_round(source_width * factor), 1), width)
        scaled_height = min(max(java_round(source_height * factor), 1), height)
        return scaled_width, scaled_height, 0, 0, (width - scaled_width) // 2, (height - scaled_height) // 2
    return width, height, 0, 0, 0, 0


FILTERS = {'NEAREST': Image.NEAREST, 'BILINEAR': Image.BILINEAR, 'BICUBIC': Image.BICUBIC, 'AREA': Image.BOX}


def reference_resize(source, width, height, mode, interpolation):
    scaled_width, scaled_height, crop_x, crop_y, pad_x, pad_y = geometry(source.width, source.height, width, height, mode)
    scaled = source.resize((scaled_width, scaled_height), FILTERS[interpolation])
    if mode == 'SHORTER_SIDE_CROP':
        return scaled.crop((crop_x, crop_y, crop_x + width, crop_y + height))
    if mode == 'FIT_PAD':
        canvas = Image.new('RGB', (width, height), (0, 0, 0))
        canvas.paste(scaled, (pad_x, pad_y))
        return canvas
    return scaled


def torchvision_resize_crop(source, shorter_side, width, height, interpolation):
    """torchvision.transforms Resize(shorter_side) then CenterCrop((height, width)) on a PIL image, written out from
    torchvision's own rules (_compute_resized_output_size and F.center_crop) so that no torchvision install is needed."""
    w, h = source.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = shorter_side, int(shorter_side * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    scaled = source.resize((new_w, new_h), FILTERS[interpolation])
    crop_top = int(round((new_h - height) / 2.0))
    crop_left = int(round((new_w - width) / 2.0))
    return scaled.crop((crop_left, crop_top, crop_left + width, crop_top + height))


def make_resize_references():
    os.makedirs(os.path.join(HERE, 'sources'), exist_ok=True)
    os.makedirs(os.path.join(HERE, 'pillow'), exist_ok=True)
    sources = {
        'photo37x29': photo_like(37, 29, 1),
        'noise13x11': numpy.random.default_rng(2).integers(0, 256, (11, 13, 3), dtype=numpy.uint8),
        'photo64x48': photo_like(64, 48, 3),
        'photo150x140': photo_like(150, 140, 7),  # taller than one 64-row strip of the Java horizontal pass
        'photo30x450': photo_like(30, 450, 9),    # seven 64-row strips and a last one of 2 rows
        'photo45x70': photo_like(45, 70, 8),      # portrait, for the torchvision shorter-side cases
    }
    for name, pixels in sources.items():
        Image.fromarray(pixels, 'RGB').save(os.path.join(HERE, 'sources', name + '.png'))
    cases = []
    for interpolation in FILTERS:
        cases += [
            ('photo37x29', 16, 12, 'STRETCH', interpolation),    # downscale by about 2.3
            ('photo37x29', 80, 61, 'STRETCH', interpolation),    # upscale by about 2.1
            ('noise13x11', 40, 33, 'STRETCH', interpolation),    # upscale by 3
            ('noise13x11', 13, 11, 'STRETCH', interpolation),    # same size: identity
            ('photo64x48', 50, 9, 'STRETCH', interpolation),     # slight downscale in x, strong in y
            ('photo64x48', 7, 96, 'STRETCH', interpolation),     # strong downscale in x, upscale in y
            ('photo64x48', 24, 24, 'SHORTER_SIDE_CROP', interpolation),
            ('photo64x48', 24, 24, 'FIT_PAD', interpolation),
            ('noise13x11', 30, 20, 'SHORTER_SIDE_CROP', interpolation),
            ('noise13x11', 30, 20, 'FIT_PAD', interpolation),
            ('photo150x140', 61, 47, 'STRETCH', interpolation),
            ('photo150x140', 40, 40, 'SHORTER_SIDE_CROP', interpolation),
            ('photo30x450', 12, 400, 'STRETCH', interpolation),  # slight vertical downscale over many strips
        ]
    torchvision_cases = []
    for interpolation in FILTERS:
        torchvision_cases += [
            ('photo150x140', 36, 32, 40, interpolation),  # downscale to 42x40, crop offsets round(3.0), round(4.0)
            ('photo37x29', 25, 24, 32, interpolation),    # upscale to 40x32, left offset round(7.5) = 8 (half to even)
            ('photo37x29', 27, 27, 32, interpolation),    # left offset round(6.5) = 6 (half to even), top round(2.5) = 2
            ('photo45x70', 28, 28, 30, interpolation),    # portrait: 30 x int(30 * 70 / 45) = 30 x 46
        ]
    lines = []
    for source_name, width, height, mode, interpolation in cases:
        source = Image.open(os.path.join(HERE, 'sources', source_name + '.png')).convert('RGB')
        result = numpy.asarray(reference_resize(source, width, height, mode, interpolation))
        case = '%s-%dx%d-%s-%s' % (source_name, width, height, mode, interpolation)
        save_npy(os.path.join(HERE, 'pillow', case + '.npy'), result)
        lines.append(' '.join([case, source_name, str(width), str(height), mode, interpolation]))
    for source_name, width, height, shorter_side, interpolation in torchvision_cases:
        source = Image.open(os.path.join(HERE, 'sources', source_name + '.png')).convert('RGB')
        result = numpy.asarray(torchvision_resize_crop(source, shorter_side, width, height, interpolation))
        case = '%s-%dx%d-SHORTER_SIDE_CROP%d-%s' % (source_name, width, height, shorter_side, interpolation)
        save_npy(os.path.join(HERE, 'pillow', case + '.npy'), result)
        lines.append(' '.join([case, source_name, str(width), str(height), 'SHORTER_SIDE_CROP', interpolation, str(shorter_side)]))
    with open(os.path.join(HERE, 'pillow', 'cases.txt'), 'w') as listing:
        listing.write('\n'.join(lines) + '\n')


def png_chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)


def png_rgb16(pixels16):
    """A 16-bit-per-sample RGB PNG (Pillow cannot write one)."""
    height, width, _ = pixels16.shape
    raw = b''.join(b'\x00' + pixels16[y].astype('>u2').tobytes() for y in range(height))
    header = struct.pack('>IIBBBBB', width, height, 16, 2, 0, 0, 0)
    return b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', header) + png_chunk(b'IDAT', zlib.compress(raw)) + png_chunk(b'IEND', b'')


def make_decode_fixtures():
    folder = os.path.join(HERE, 'decode')
    expected_folder = os.path.join(folder, 'expected')
    os.makedirs(expected_folder, exist_ok=True)
    base = photo_like(20, 14, 4)
    rgb = Image.fromarray(base, 'RGB')

    def lossless(name, image, expected):
        image.save(os.path.join(folder, name))
        save_npy(os.path.join(expected_folder, name + '.npy'), expected)

    lossless('rgb.bmp', rgb, base)
    lossless('rgb.tiff', rgb, base)
    rgb.save(os.path.join(folder, 'rgb-lossless.webp'), lossless=True)
    save_npy(os.path.join(expected_folder, 'rgb-lossless.webp.npy'), numpy.asarray(Image.open(os.path.join(folder, 'rgb-lossless.webp')).convert('RGB')))
    grey = rgb.convert('L')
    lossless('grey.png', grey, numpy.asarray(grey.convert('RGB')))
    palette = rgb.quantize(colors=16)
    lossless('palette.png', palette, numpy.asarray(palette.convert('RGB')))
    lossless('palette.gif', palette, numpy.asarray(palette.convert('RGB')))
    lossless('grey.bmp', grey, numpy.asarray(grey.convert('RGB')))
    alpha = rgb.copy()
    alpha.putalpha(Image.fromarray(numpy.tile(numpy.linspace(0, 255, 20).astype(numpy.uint8), (14, 1)), 'L'))
    lossless('alpha.png', alpha, base)  # alpha dropped, as Pillow's convert('RGB')
    grey_alpha = grey.convert('LA')
    lossless('grey-alpha.png', grey_alpha, numpy.asarray(grey.convert('RGB')))
    sixteen = base.astype(numpy.uint16) * 256 + numpy.random.default_rng(5).integers(0, 256, base.shape).astype(numpy.uint16)
    with open(os.path.join(folder, 'rgb16.png'), 'wb') as output:
        output.write(png_rgb16(sixteen))
    save_npy(os.path.join(expected_folder, 'rgb16.png.npy'), base)  # high byte of each sample
    # Lossy formats: expected is what Pillow (libjpeg) decodes; JPEG decoders may differ by a few levels.
    rgb.save(os.path.join(folder, 'progressive.jpg'), quality=95, progressive=True)
    save_npy(os.path.join(expected_folder, 'progressive.jpg.npy'), numpy.asarray(Image.open(os.path.join(folder, 'progressive.jpg')).convert('RGB')))
    # Chroma subsampling 4:4:4, 4:2:2 and 4:2:0 at a size that is not a whole number of MCUs; libjpeg-turbo (which Pillow uses)
    # and the JDK's libjpeg 6b decode these to the same bytes, and LibjpegTurboTest checks that they do.
    odd = Image.fromarray(photo_like(37, 23, 7), 'RGB')
    for name, subsampling in (('444', 0), ('422', 1), ('420', 2)):
        path = os.path.join(folder, 'subsampling-' + name + '.jpg')
        odd.save(path, quality=90, subsampling=subsampling)
        save_npy(os.path.join(expected_folder, 'subsampling-' + name + '.jpg.npy'), numpy.asarray(Image.open(path).convert('RGB')))
    # EXIF orientation 6: stored rotated, to be shown turned 90 degrees clockwise. Expected = the upright image.
    upright = photo_like(20, 14, 6)
    stored = Image.fromarray(upright, 'RGB').transpose(Image.ROTATE_90)  # counter-clockwise, so a clockwise turn restores it
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(os.path.join(folder, 'orientation6.jpg'), quality=95, exif=exif.tobytes())
    shown = Image.open(os.path.join(folder, 'orientation6.jpg')).convert('RGB').transpose(Image.ROTATE_270)
    save_npy(os.path.join(expected_folder, 'orientation6.jpg.npy'), numpy.asarray(shown))
    # CMYK JPEG (Adobe marker): colours depend on the CMYK profile the decoder assumes, so the test only checks hues.
    blocks = Image.new('CMYK', (16, 8), (0, 0, 0, 0))
    blocks.paste((0, 255, 255, 0), (0, 0, 8, 8))     # red
    blocks.paste((255, 0, 255, 0), (8, 0, 16, 8))    # green
    blocks.save(os.path.join(folder, 'cmyk.jpg'), quality=95)
    # A GIF with a header and a global colour table but no image frame at all.
    with open(os.path.join(folder, 'zero-frames.gif'), 'wb') as output:
        output.write(b'GIF89a' + struct.pack('<HHBBB', 4, 4, 0x80, 0, 0) + b'\x00\x00\x00\xff\xff\xff' + b'\x3b')
    # A PNG whose header declares 60000 x 60000 pixels (a decompression bomb) with a tiny body.
    header = struct.pack('>IIBBBBB', 60000, 60000, 8, 2, 0, 0, 0)
    row = b'\x00' + b'\x00' * 3 * 60000
    body = zlib.compressobj(9).compress(row * 4)
    with open(os.path.join(folder, 'bomb-60000x60000.png'), 'wb') as output:
        output.write(b'\x89PNG\r\n\x1a\n' + png_chunk(b'IHDR', header) + png_chunk(b'IDAT', body) + png_chunk(b'IEND', b''))


def make_draft_references():
    """JPEG draft decoding: Pillow's Image.draft('RGB', scaled size) (libjpeg DCT scaling by 1/2, 1/4 or 1/8), then the resize.
    The scaled size is the one the whole image is resized to (ResizeGeometry / torchvision's Resize), taken upright."""
    folder = os.path.join(HERE, 'draft')
    os.makedirs(folder, exist_ok=True)
    upright = Image.fromarray(photo_like(530, 410, 11), 'RGB')
    upright.save(os.path.join(folder, 'photo530x410.jpg'), quality=90)
    exif = Image.Exif()
    exif[0x0112] = 6
    upright.transpose(Image.ROTATE_90).save(os.path.join(folder, 'photo530x410-orientation6.jpg'), quality=90, exif=exif.tobytes())
    cases = [
        ('photo530x410.jpg', 64, 48, 'STRETCH', 'BILINEAR', 0),            # 530 // 64 = 8, 410 // 48 = 8: 1/8
        ('photo530x410.jpg', 96, 96, 'SHORTER_SIDE_CROP', 'BICUBIC', 100),  # torchvision 129 x 100: 1/4
        ('photo530x410.jpg', 120, 120, 'FIT_PAD', 'AREA', 0),               # fits as 120 x 93: 1/4
        ('photo530x410.jpg', 300, 20, 'STRETCH', 'BILINEAR', 0),            # 530 // 300 = 1: full size
        ('photo530x410-orientation6.jpg', 64, 48, 'STRETCH', 'BILINEAR', 0),  # stored 410 x 530, upright 530 x 410: 1/8
    ]
    lines = []
    for file, width, height, mode, interpolation, shorter_side in cases:
        if shorter_side:
            scaled = (int(shorter_side * 530 / 410), shorter_side)
        else:
            scaled = geometry(530, 410, width, height, mode)[:2]
        rotated = 'orientation6' in file
        image = Image.open(os.path.join(folder, file))
        image.draft('RGB', (scaled[1], scaled[0]) if rotated else scaled)
        drafted_width = image.size[1] if rotated else image.size[0]
        denominator = next(d for d in (1, 2, 4, 8) if (530 + d - 1) // d == drafted_width)
        image = image.convert('RGB')
        if rotated:
            image = image.transpose(Image.ROTATE_270)
        if shorter_side:
            result = torchvision_resize_crop(image, shorter_side, width, height, interpolation)
        else:
            result = reference_resize(image, width, height, mode, interpolation)
        case = '%s-%dx%d-%s%s-%s' % (file[:-4], width, height, mode, shorter_side or '', interpolation)
        save_npy(os.path.join(folder, case + '.npy'), numpy.asarray(result))
        lines.append(' '.join([case, file, str(width), str(height), mode, interpolation, str(shorter_side), str(denominator)]))
    with open(os.path.join(folder, 'cases.txt'), 'w') as listing:
        listing.write('\n'.join(lines) + '\n')


if __name__ == '__main__':
    make_resize_references()
    make_decode_fixtures()
    make_draft_references()
