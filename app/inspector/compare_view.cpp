#include "app/inspector/compare_view.h"

#include <QGridLayout>
#include <QLabel>

#include "widgets/overlay_options.h"
#include "widgets/patch_canvas.h"
#include "widgets/point_patches.h"
#include "widgets/selection.h"

namespace vitcop::inspector {

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
  auto* grid = new QGridLayout(this);
  a_ = new widgets::PatchCanvas(this);
  b_ = new widgets::PatchCanvas(this);
  diff_ = new widgets::PatchCanvas(this);
  diffSelection_ = new widgets::Selection(this);
  diffSelection_->setOverlayMode(widgets::OverlayMode::Difference);
  diff_->setSelection(diffSelection_);
  titleA_ = new QLabel(this);
  titleB_ = new QLabel(this);
  titleDiff_ = new QLabel(this);
  answerA_ = new QLabel(this);
  answerB_ = new QLabel(this);
  for (auto* l : {answerA_, answerB_}) {
    l->setWordWrap(true);
    l->setTextInteractionFlags(Qt::TextSelectableByMouse);
  }
  answerA_->setObjectName(QStringLiteral("answerA"));
  answerB_->setObjectName(QStringLiteral("answerB"));
  grid->addWidget(titleA_, 0, 0);
  grid->addWidget(titleB_, 0, 1);
  grid->addWidget(titleDiff_, 0, 2);
  grid->addWidget(a_, 1, 0);
  grid->addWidget(b_, 1, 1);
  grid->addWidget(diff_, 1, 2);
  grid->addWidget(answerA_, 2, 0);
  grid->addWidget(answerB_, 2, 1);
  grid->setRowStretch(1, 1);

  // Mirror zoom/pan; setView emits only on change, so the three settle after one round.
  const QList<widgets::PatchCanvas*> canvases = {a_, b_, diff_};
  for (auto* from : canvases)
    for (auto* to : canvases)
      if (from != to)
        connect(from, &widgets::PatchCanvas::viewChanged, to,
                [to](double zoom, const QPointF& pan) { to->setView(zoom, pan); });
}

void CompareView::setSelection(widgets::Selection* selection) {
  selection_ = selection;
  a_->setSelection(selection);
  b_->setSelection(selection);
  connect(selection, &widgets::Selection::pointChanged, diffSelection_,
          &widgets::Selection::setPoint);
  connect(selection, &widgets::Selection::frameChanged, diffSelection_,
          &widgets::Selection::setFrame);
  connect(selection, &widgets::Selection::patchChanged, diffSelection_,
          &widgets::Selection::setPatch);
  connect(diffSelection_, &widgets::Selection::patchChanged, selection,
          &widgets::Selection::setPatch);
  connect(selection, &widgets::Selection::changed, this, &CompareView::updateCounts);
  diffSelection_->setPoint(selection->point());
  diffSelection_->setFrame(selection->frame());
}

void CompareView::setFrames(const QVector<QImage>& frames) {
  for (auto* c : {a_, b_, diff_})
    c->setFrames(frames);
}

void CompareView::setRuns(std::shared_ptr<const trace::RunTrace> a, const QString& labelA,
                          std::shared_ptr<const trace::RunTrace> b, const QString& labelB) {
  traceA_ = a;
  traceB_ = b;
  a_->setTrace(a);
  b_->setTrace(b);
  diff_->setTrace(a);
  diff_->setCompareTrace(b);
  titleA_->setText(tr("<b>A</b>: %1").arg(labelA.toHtmlEscaped()));
  titleB_->setText(tr("<b>B</b>: %1").arg(labelB.toHtmlEscaped()));
  updateCounts();
}

void CompareView::updateCounts() {
  if (!traceA_ || !traceB_ || !selection_) return;
  const std::string point = selection_->point().toStdString();
  const widgets::PointPatches pa(*traceA_, point, selection_->frame());
  const widgets::PointPatches pb(*traceB_, point, selection_->frame());
  const auto counts = widgets::differenceCounts(pa, pb);
  titleDiff_->setText(tr("<b>A vs B</b> at %1: A only %2 · B only %3 · both %4")
                          .arg(selection_->point())
                          .arg(counts.aOnly)
                          .arg(counts.bOnly)
                          .arg(counts.both));
}

void CompareView::setAnswers(const QString& a, const QString& b) {
  answerA_->setText(tr("A: %1").arg(a));
  answerB_->setText(tr("B: %1").arg(b));
}

void CompareView::setOpacity(double opacity) {
  for (auto* c : {a_, b_, diff_}) {
    auto o = c->effectiveOptions();
    o.opacity = opacity;
    c->setOptions(o);
  }
}

QString CompareView::answerA() const {
  return answerA_->text();
}
QString CompareView::answerB() const {
  return answerB_->text();
}

}  // namespace vitcop::inspector
