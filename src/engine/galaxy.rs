//! Showing one galaxy: its footer if still unread, then its row (image, id, position and
//! every vote column) in one foreground read.

use super::Engine;
use super::bulk::Bulk;
use super::dataset::{Dataset, FileMeta, read_footer};
use super::protocol::{CampaignVotes, Event, FileStatus, GalaxyData, GalaxyState};
use crate::dataset;
use crate::decode::{self, RowRequest};
use crate::io::{Priority, WithUrgency};
use crate::table;
use std::rc::Rc;

impl Engine {
    /// Show the galaxy at global row `row`, cancelling the load of any other on its way.
    pub(super) fn show_row(&self, row: u64) {
        if let Some(previous) = self.0.galaxy.borrow_mut().take() {
            previous.abort(); // dropping its reads aborts their requests
        }
        let Some(ds) = self.dataset() else { return };
        let me = self.clone();
        let h = self.spawn_abortable(async move { me.galaxy_task(ds, row).await });
        self.0.galaxy.replace(Some(h));
    }

    /// Load and send the galaxy at `row`.
    pub(super) async fn galaxy_task(&self, ds: Rc<Dataset>, row: u64) {
        let state = self.galaxy_at(&ds, row).await;
        self.emit(Event::Galaxy {
            row: Some(row),
            state,
        });
        self.publish_costs();
        self.first_galaxy_shown();
    }

    /// File `i`'s footer and roles, read now (at `priority`) if they were left for later.
    pub(super) async fn ensure_meta(
        &self,
        ds: &Dataset,
        i: usize,
        priority: Priority,
    ) -> Result<FileMeta, String> {
        if let Some(m) = ds.meta(i) {
            return Ok(m);
        }
        let src = ds
            .sources
            .get(i)
            .ok_or_else(|| format!("there is no file {i}"))?;
        ds.set_status(i, FileStatus::Pending);
        self.emit(Event::Files(ds.files.borrow().clone()));
        let r = read_footer(src, ds.hints.get(i).copied().flatten(), priority).await;
        if r.is_ok() {
            self.keep_footer(src);
        }
        ds.set_status(
            i,
            match &r {
                Ok((_, summary)) => FileStatus::Read(summary.clone()),
                Err(e) => FileStatus::Failed(e.clone()),
            },
        );
        self.emit(Event::Files(ds.files.borrow().clone()));
        let (meta, _) = r?;
        if let Some(slot) = ds.metas.borrow_mut().get_mut(i) {
            *slot = Some(meta.clone());
        }
        Ok(meta)
    }

    async fn galaxy_at(&self, ds: &Rc<Dataset>, row: u64) -> GalaxyState {
        if ds.rows() == 0 {
            let readable = ds.metas.borrow().iter().any(Option::is_some);
            return if readable {
                GalaxyState::NoImages
            } else {
                GalaxyState::Failed(
                    "no file of the dataset could be read (see the file list)".into(),
                )
            };
        }
        let Some(at) = ds.index.locate(row) else {
            return GalaxyState::Failed(format!(
                "there is no row {row}: the dataset has {} rows",
                ds.rows()
            ));
        };
        let i = at.file;
        let name = ds.file_name(i);
        if ds.meta(i).is_none() {
            self.emit(Event::Galaxy {
                row: Some(row),
                state: GalaxyState::Loading(format!("Reading the footer of {name}")),
            });
        }
        let (meta, roles) = match self.ensure_meta(ds, i, Priority::Foreground).await {
            Ok(m) => m,
            Err(e) => {
                return GalaxyState::Failed(format!(
                    "galaxy {row} is in {name}, whose footer could not be read: {e}"
                ));
            }
        };
        if roles.image.is_none() {
            return GalaxyState::Failed(format!(
                "galaxy {row} is in {name}, which has no image column"
            ));
        }
        let Some((row_group, offset)) = dataset::row_group_of(
            meta.row_groups()
                .iter()
                .map(|rg| rg.num_rows().max(0) as u64),
            at.row,
        ) else {
            let have = meta.file_metadata().num_rows();
            return GalaxyState::Failed(format!(
                "{name} has {have} rows, fewer than the manifest says: row {} of it is missing",
                at.row
            ));
        };
        self.emit(Event::Galaxy {
            row: Some(row),
            state: GalaxyState::Loading(format!("Fetching galaxy {row}")),
        });
        let schema = table::arrow_schema(&meta).unwrap_or_else(|_| arrow_schema::Schema::empty());
        let vote_schema = table::vote_schema(&schema);
        let mut columns = table::leaf_paths(&roles);
        columns.extend(
            vote_schema
                .columns()
                .into_iter()
                .map(|c| schema.field(c).name().clone()),
        );
        let req = RowRequest {
            columns,
            row_group,
            offset,
            count: 1,
        };
        // the visitor waits for this: ahead of every background read
        let src = WithUrgency::new(&ds.sources[i], Priority::Foreground);
        let batches = match decode::read_rows(&src, meta.clone(), &req).await {
            Ok(b) => b,
            Err(e) => return GalaxyState::Failed(e.to_string()),
        };
        let Some(batch) = batches.first() else {
            return GalaxyState::Failed(format!("row group {row_group} returned no rows"));
        };
        let values = table::row_values(batch, &roles, 0);
        let votes = campaign_votes(&vote_schema, &schema, batch, 0);
        let image = match values.image {
            Some(bytes) => match crate::imaging::check_complete(&bytes) {
                Ok(()) => Ok(Bulk(bytes)),
                Err(e) => Err(e.to_string()),
            },
            None => Err("this row has no image (null)".into()),
        };
        GalaxyState::Ready(Box::new(GalaxyData {
            id: values.id,
            ra: values.ra,
            dec: values.dec,
            split: ds.split(i),
            file: ds
                .files
                .borrow()
                .get(i)
                .map(|f| f.url.clone())
                .unwrap_or_default(),
            row,
            file_row: at.row,
            rows: ds.rows(),
            image,
            votes,
        }))
    }
}

/// One row's votes, campaign by campaign, with the most-voted path and its summary.
fn campaign_votes(
    vs: &crate::gz::VoteSchema,
    schema: &arrow_schema::Schema,
    batch: &arrow_array::RecordBatch,
    row: usize,
) -> Vec<CampaignVotes> {
    let count = |col: usize| {
        batch
            .column_by_name(schema.field(col).name())
            .and_then(|c| table::int_at(c.as_ref(), row))
    };
    vs.campaigns
        .iter()
        .map(|c| {
            let questions: Vec<crate::gz::QuestionVotes> = c
                .questions
                .iter()
                .map(|q| crate::gz::QuestionVotes::from_row(q, count))
                .collect();
            CampaignVotes {
                campaign: c.name.clone(),
                path: crate::gz::most_voted_path(&questions, c.tree),
                summary: crate::gz::describe(&c.name, &questions, c.tree),
                tree: c.tree,
                questions,
            }
        })
        .collect()
}
