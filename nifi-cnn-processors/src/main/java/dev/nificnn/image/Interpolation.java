package dev.nificnn.image;

/** Resampling filter, with the same meaning (and, for 8-bit images, the same results) as Pillow's filters of that name. */
public enum Interpolation {
    /** Nearest neighbour: each output pixel copies the source pixel under its centre. */
    NEAREST,
    /** Triangle filter; its support grows with the reduction factor, so downscaling averages (antialiases). */
    BILINEAR,
    /** Cubic convolution (a = -0.5); its support grows with the reduction factor like bilinear. */
    BICUBIC,
    /** Box filter: each output pixel is the area-weighted average of the source pixels it covers. */
    AREA
}
