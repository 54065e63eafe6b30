#include "app/inspector/history_dock.h"

#include <QFileInfo>
#include <QHeaderView>
#include <QTableWidget>

#include "app/inspector/inference_worker.h"
#include "widgets/selection.h"

namespace vitcop::inspector {

HistoryDock::HistoryDock(QWidget* parent) : QDockWidget(tr("Run history"), parent) {
  setObjectName(QStringLiteral("historyDock"));
  table_ = new QTableWidget(0, 6, this);
  table_->setHorizontalHeaderLabels({tr("Run"), tr("Configuration"), tr("Input"),
                                     tr("Tokens (avg)"), tr("Total ms"), tr("Answer")});
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->horizontalHeader()->setStretchLastSection(true);
  table_->verticalHeader()->hide();
  setWidget(table_);
  connect(table_, &QTableWidget::currentCellChanged, this, [this](int row) {
    if (!selection_ || row < 0) return;
    const auto* id = table_->item(row, 0);
    const auto* config = table_->item(row, 1);
    if (id && config) selection_->setRun(id->text(), config->data(Qt::UserRole).toString());
  });
}

void HistoryDock::setSelection(widgets::Selection* selection) {
  selection_ = selection;
  connect(selection, &widgets::Selection::runChanged, this, [this](const QString& runId) {
    for (int row = 0; row < table_->rowCount(); ++row)
      if (table_->item(row, 0)->text() == runId && table_->currentRow() != row) {
        QSignalBlocker block(table_);
        table_->selectRow(row);
      }
  });
}

void HistoryDock::addRun(const QString& runId, const QString& input, const RunOutcome& run) {
  const int row = table_->rowCount();
  table_->insertRow(row);
  auto* config = new QTableWidgetItem(run.label);
  config->setData(Qt::UserRole, QString::fromStdString(run.trace->method));
  table_->setItem(row, 0, new QTableWidgetItem(runId));
  table_->setItem(row, 1, config);
  table_->setItem(row, 2, new QTableWidgetItem(QFileInfo(input).fileName()));
  table_->setItem(row, 3,
                  new QTableWidgetItem(QString::number(run.trace->equivalentTokens, 'f', 1)));
  table_->setItem(row, 4, new QTableWidgetItem(QString::number(run.totalMs, 'f', 0)));
  table_->setItem(row, 5, new QTableWidgetItem(QString::fromStdString(run.result.answer)));
}

int HistoryDock::rowCount() const {
  return table_->rowCount();
}

}  // namespace vitcop::inspector
