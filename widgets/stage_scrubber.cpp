#include "widgets/stage_scrubber.h"

#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>

#include "widgets/selection.h"

namespace vitcop::widgets {
namespace {

// Sort key of a point name: input, vision, then LLM layers by number; -1 for unknown names.
int64_t orderKey(const std::string& name) {
  if (name == "input") return 0;
  if (name == "vision") return 1;
  if (const auto layer = vitcop::trace::llmLayerOf(name)) return 2 + *layer;
  return -1;
}

}  // namespace

StageScrubber::StageScrubber(QWidget* parent) : QWidget(parent) {
  setFocusPolicy(Qt::StrongFocus);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
  setSelection(new Selection(this));
}

void StageScrubber::setSelection(Selection* selection) {
  if (!selection || selection == selection_) return;
  disconnect(connection_);
  selection_ = selection;
  connection_ = connect(selection_, &Selection::pointChanged, this, [this] { update(); });
  update();
}

QStringList StageScrubber::orderedPointNames(const vitcop::trace::RunTrace& trace) {
  std::vector<std::pair<int64_t, std::string>> keyed;
  for (const auto& p : trace.points)
    if (const int64_t k = orderKey(p.name); k >= 0) keyed.emplace_back(k, p.name);
  std::stable_sort(keyed.begin(), keyed.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  QStringList names;
  for (const auto& [k, name] : keyed)
    names << QString::fromStdString(name);
  return names;
}

void StageScrubber::setTrace(std::shared_ptr<const vitcop::trace::RunTrace> trace) {
  trace_ = std::move(trace);
  names_.clear();
  stages_.clear();
  counts_.clear();
  if (trace_) {
    names_ = orderedPointNames(*trace_);
    for (const auto& n : names_) {
      const auto* p = trace_->find(n.toStdString());
      stages_ << QString::fromStdString(p->stage);
      counts_ << static_cast<int>(p->tokens.size());
    }
  }
  updateGeometry();
  update();
}

QVector<int> StageScrubber::boundaries() const {
  QVector<int> b;
  for (int i = 1; i < counts_.size(); ++i)
    if (counts_[i] != counts_[i - 1]) b << i;
  return b;
}

int StageScrubber::currentIndex() const {
  return names_.indexOf(selection_->point());
}

void StageScrubber::setCurrentIndex(int index) {
  if (names_.isEmpty()) return;
  selection_->setPoint(names_[std::clamp(index, 0, static_cast<int>(names_.size()) - 1)]);
}

void StageScrubber::step(int delta) {
  const int i = currentIndex();
  // From an unknown point, the first step lands on an end rather than doing nothing.
  setCurrentIndex(i < 0 ? (delta > 0 ? 0 : static_cast<int>(names_.size()) - 1) : i + delta);
}

QString StageScrubber::statusText() const {
  const int i = currentIndex();
  if (i < 0) return selection_->point().isEmpty() ? tr("no point") : selection_->point();
  return tr("%1 · %2 visual tokens").arg(names_[i]).arg(counts_[i]);
}

QSize StageScrubber::sizeHint() const {
  const int h = fontMetrics().height();
  return {std::max(240, 12 * static_cast<int>(names_.size())), 4 * h + 8};
}

QSize StageScrubber::minimumSizeHint() const {
  return {120, sizeHint().height()};
}

QRectF StageScrubber::trackRect() const {
  const int h = fontMetrics().height();
  const double pad = 0.75 * h;
  // Caption row on top, track in the middle, end labels below.
  return QRectF(pad, 1.5 * h, std::max(1.0, width() - 2 * pad), 1.2 * h);
}

double StageScrubber::xOf(int index) const {
  const QRectF t = trackRect();
  const int n = static_cast<int>(names_.size());
  return n <= 1 ? t.center().x() : t.left() + t.width() * index / (n - 1);
}

int StageScrubber::indexAt(double x) const {
  const QRectF t = trackRect();
  const int n = static_cast<int>(names_.size());
  if (n <= 1) return 0;
  return std::clamp(static_cast<int>(std::lround((x - t.left()) / t.width() * (n - 1))), 0, n - 1);
}

void StageScrubber::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  const QPalette& pal = palette();
  const QRectF t = trackRect();
  const double mid = t.center().y();
  const int h = fontMetrics().height();

  p.setPen(pal.color(QPalette::WindowText));
  const int i = currentIndex();
  const QRectF caption(t.left(), 0, t.width(), 1.4 * h);
  p.drawText(caption, Qt::AlignLeft | Qt::AlignVCenter, statusText());
  if (i >= 0 && !stages_[i].isEmpty())
    p.drawText(
        caption, Qt::AlignRight | Qt::AlignVCenter,
        fontMetrics().elidedText(stages_[i], Qt::ElideLeft, static_cast<int>(t.width() / 2)));

  QPainterPath line;
  line.moveTo(t.left(), mid);
  line.lineTo(t.right(), mid);
  p.strokePath(line, QPen(pal.color(QPalette::Mid), 2.0));
  QPainterPath ticks;
  for (int k = 0; k < names_.size(); ++k) {
    ticks.moveTo(xOf(k), mid - 0.2 * t.height());
    ticks.lineTo(xOf(k), mid + 0.2 * t.height());
  }
  p.strokePath(ticks, QPen(pal.color(QPalette::Mid), 1.0));
  // Boundaries stand out so the stages of a method (e.g. ViTCoP's Stage I and the LLM pruning
  // layers) can be found without scrubbing.
  QPainterPath marks;
  for (int k : boundaries()) {
    marks.moveTo(xOf(k), t.top());
    marks.lineTo(xOf(k), t.bottom());
  }
  p.strokePath(marks, QPen(pal.color(QPalette::Highlight), 2.0));

  if (i >= 0) {
    const double r = 0.35 * t.height();
    p.setPen(QPen(pal.color(QPalette::Shadow), 1.0));
    p.setBrush(hasFocus() ? pal.color(QPalette::Highlight) : pal.color(QPalette::Button));
    p.drawEllipse(QPointF(xOf(i), mid), r, r);
  }

  if (!names_.isEmpty()) {
    p.setPen(pal.color(QPalette::WindowText));
    const QRectF labels(t.left() - 0.5 * h, t.bottom(), t.width() + h, 1.4 * h);
    p.drawText(labels, Qt::AlignLeft | Qt::AlignVCenter, names_.front());
    p.drawText(labels, Qt::AlignRight | Qt::AlignVCenter, names_.back());
  }
}

void StageScrubber::keyPressEvent(QKeyEvent* event) {
  switch (event->key()) {
    case Qt::Key_Left:
      step(-1);
      break;
    case Qt::Key_Right:
      step(+1);
      break;
    case Qt::Key_Home:
      setCurrentIndex(0);
      break;
    case Qt::Key_End:
      setCurrentIndex(static_cast<int>(names_.size()) - 1);
      break;
    default:
      QWidget::keyPressEvent(event);
      return;
  }
  event->accept();
}

void StageScrubber::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton) return QWidget::mousePressEvent(event);
  setCurrentIndex(indexAt(event->position().x()));
}

void StageScrubber::mouseMoveEvent(QMouseEvent* event) {
  if (event->buttons() & Qt::LeftButton) setCurrentIndex(indexAt(event->position().x()));
}

}  // namespace vitcop::widgets
