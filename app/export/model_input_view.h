#pragma once
// The picture an overlay is drawn on: the model-input view of an image or video frame (the
// preprocessed crop the patches are cut from), shared by the inspector's loader and the export
// commands so both draw on the same pixels.
#include <QImage>
#include <QVector>
#include <opencv2/core/mat.hpp>
#include <string>

#include "core/checkpoint/llava_config.h"
#include "core/trace/run_trace.h"

namespace vitcop::exporting {

QImage modelInputView(const cv::Mat& rgb, const checkpoint::ImageProcessorConfig& processor);

// The processor a trace's model used: <model>/preprocessor_config.json when the trace names a
// model directory that has one, else CLIP's resize + centre crop at the trace's image size (what
// the loader assumes for a model without a processor file, and for --random-init presets); padded
// to a square first when the model's config.json asks for it (original LLaVA, "pad").
checkpoint::ImageProcessorConfig processorForTrace(const vitcop::trace::RunTrace& trace);

// Frame `frame` of `path` (an image, or a video sampled into the trace's frame count) as the
// model saw it. Throws std::runtime_error naming the file or the frame.
QImage inputViewForTrace(const vitcop::trace::RunTrace& trace, const std::string& path, int frame);

}  // namespace vitcop::exporting
