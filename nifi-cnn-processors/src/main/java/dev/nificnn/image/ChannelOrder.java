package dev.nificnn.image;

/** Order of the colour channels in a tensor. */
public enum ChannelOrder {
    /** Red, green, blue (torchvision, most modern models). */
    RGB,
    /** Blue, green, red (Caffe models such as the ONNX Model Zoo AlexNet and SqueezeNet). */
    BGR
}
